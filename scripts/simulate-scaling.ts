/**
 * Replays a CPU trace through the fleet's configured scaling policies and prints the group's
 * capacity over time (figures only; nothing is asserted here, see test/scaling-simulator.test.ts).
 *
 *   npm run simulate:scaling                        # every scenario, production primary policies
 *   npm run simulate:scaling -- spike               # one scenario: seed | spike
 *   npm run simulate:scaling -- seed development standby
 */
import { type FleetConfig, fleetProfile } from '../lib/config/fleet';
import type { RegionRole } from '../lib/config/types';
import { SCENARIOS, type ScalingScenario } from '../lib/fleet/scaling-scenarios';
import { simulateScaling } from '../lib/fleet/scaling-simulator';

const [scenarioArg, profileArg = 'production', roleArg = 'primary'] = process.argv.slice(2);
if (!['production', 'development'].includes(profileArg) || !['primary', 'standby'].includes(roleArg)) {
  fail(`usage: simulate-scaling [${Object.keys(SCENARIOS).join('|')}] [production|development] [primary|standby]`);
}
const names = scenarioArg ? [scenarioArg] : Object.keys(SCENARIOS);
const fleet = fleetProfile(profileArg as 'production' | 'development', roleArg as RegionRole);

for (const name of names) {
  const scenario = (SCENARIOS as Record<string, ScalingScenario>)[name];
  if (!scenario) fail(`unknown scenario ${JSON.stringify(name)}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  report(name, scenario, fleet);
}

function report(name: string, scenario: ScalingScenario, fleet: FleetConfig): void {
  const initial = Math.min(fleet.maxCapacity, Math.max(fleet.minCapacity, scenario.initialCapacity));
  const result = simulateScaling(fleet, initial, scenario.trace);
  const { scaleOut, scaleIn } = fleet;

  console.log(`\n== ${name}: ${scenario.description}`);
  console.log(
    `   policies (${profileArg} ${roleArg}): CPU > ${scaleOut.cpuThresholdPercent}% for ${scaleOut.evaluationPeriods}x${scaleOut.periodSeconds}s -> +${scaleOut.adjustment}, cooldown ${scaleOut.cooldownSeconds}s; ` +
      `CPU < ${scaleIn.cpuThresholdPercent}% for ${scaleIn.evaluationPeriods}x${scaleIn.periodSeconds}s -> -${scaleIn.adjustment}, cooldown ${scaleIn.cooldownSeconds}s; bounds ${fleet.minCapacity}..${fleet.maxCapacity}`,
  );
  console.log(' minute   cpu%  capacity  out    in     event');
  let previous: string | undefined;
  for (const m of result.minutes) {
    // Invocations ignored during a cooldown are counted in the summary, not printed minute by minute.
    const events = result.events
      .filter((e) => e.minute === m.minute && e.outcome === 'scaled')
      .map((e) => `${e.policy} ${e.from} -> ${e.to}`)
      .join('; ');
    const line = `${m.cpuPercent.toFixed(1).padStart(6)}  ${String(m.capacity).padStart(8)}  ${m.scaleOutAlarm.padEnd(5)}  ${m.scaleInAlarm.padEnd(5)}  ${events}`;
    // Print changes only: a steady minute repeats the one before.
    if (line !== previous || events) console.log(`${String(m.minute).padStart(7)} ${line}`);
    previous = line;
  }
  const scaled = result.events.filter((e) => e.outcome === 'scaled').length;
  const cooldown = result.events.filter((e) => e.outcome === 'cooldown').length;
  const bound = result.events.filter((e) => e.outcome === 'bound').length;
  const saturated = result.minutes.filter((m) => m.cpuPercent >= 100).length;
  console.log(`   capacity path: ${result.capacityPath.join(' -> ')}`);
  console.log(
    `   ${scaled} changes; ${cooldown} invocations ignored in cooldowns, ${bound} at a bound; ${saturated} minutes at 100% CPU`,
  );
}

function fail(message: string): never {
  console.error(`simulate-scaling: ${message}`);
  process.exit(1);
}
