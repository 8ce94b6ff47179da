import { fleetProfile } from '../lib/config/fleet';
import { SEED_WORKED_EXAMPLE, TRAFFIC_SPIKE } from '../lib/fleet/scaling-scenarios';
import { type SimulatedFleet, simulateScaling, type TraceSegment } from '../lib/fleet/scaling-simulator';

const production = fleetProfile('production', 'primary');

/** The production policies with both cooldowns cut to nothing: what the group would do without them. */
const withoutCooldowns: SimulatedFleet = {
  ...production,
  scaleOut: { ...production.scaleOut, cooldownSeconds: 0 },
  scaleIn: { ...production.scaleIn, cooldownSeconds: 0 },
};

describe('the seed worked example on the production policies', () => {
  const result = simulateScaling(production, SEED_WORKED_EXAMPLE.initialCapacity, SEED_WORKED_EXAMPLE.trace);
  const scaled = result.events.filter((e) => e.outcome === 'scaled');

  test('capacity goes 100 -> 110 on the spike and 110 -> 105 on the lull, nothing else', () => {
    expect(result.capacityPath).toEqual([100, 110, 105]);
    expect(result.minutes.at(-1)?.capacity).toBe(105);
  });

  test('the spike (from minute 10) scales out after two breaching minutes; the lull (from minute 30) scales in after five', () => {
    expect(scaled).toEqual([
      { minute: 11, policy: 'scaleOut', outcome: 'scaled', from: 100, to: 110 },
      { minute: 34, policy: 'scaleIn', outcome: 'scaled', from: 110, to: 105 },
    ]);
  });

  test('while the alarms stay in ALARM, the cooldowns ignore every further invocation', () => {
    const ignored = result.events.filter((e) => e.outcome === 'cooldown').map((e) => [e.minute, e.policy]);

    expect(ignored).toEqual([
      [12, 'scaleOut'],
      [13, 'scaleOut'],
      [14, 'scaleOut'],
      [35, 'scaleIn'],
      [36, 'scaleIn'],
    ]);
  });

  test('without the cooldowns the same trace overshoots both ways', () => {
    const flapping = simulateScaling(withoutCooldowns, 100, SEED_WORKED_EXAMPLE.trace);

    expect(flapping.capacityPath).toEqual([100, 110, 120, 130, 140, 135, 130, 125]);
  });
});

describe('cooldowns', () => {
  test('a sustained 28 % lull removes 5 instances every 600 s, no faster, down to the floor and no further', () => {
    const fleet: SimulatedFleet = { ...production, minCapacity: 90 };
    const result = simulateScaling(fleet, 105, [{ minutes: 60, cpuPercent: 28 }]);
    const scaled = result.events.filter((e) => e.outcome === 'scaled');

    expect(scaled.map((e) => [e.minute, e.to])).toEqual([
      [4, 100],
      [14, 95],
      [24, 90],
    ]);
    // At the floor an invocation changes nothing and starts no cooldown: it is retried every minute.
    expect(result.events.filter((e) => e.minute >= 34).every((e) => e.outcome === 'bound')).toBe(true);
    expect(result.minutes.at(-1)?.capacity).toBe(90);
  });

  test('on an erratic trace, no change follows the one before within that change cooldown', () => {
    const trace = pseudoRandomTrace(42, 600);
    const result = simulateScaling(production, 100, trace);
    const changes = result.events.filter((e) => e.outcome === 'scaled');

    expect(changes.length).toBeGreaterThan(5);
    for (const [i, change] of changes.entries()) {
      if (i === 0) continue;
      const before = changes[i - 1];
      const cooldownMinutes = production[before.policy].cooldownSeconds / 60;
      expect(change.minute - before.minute).toBeGreaterThanOrEqual(cooldownMinutes);
    }
    for (const minute of result.minutes) {
      expect(minute.capacity).toBeGreaterThanOrEqual(production.minCapacity);
      expect(minute.capacity).toBeLessThanOrEqual(production.maxCapacity);
    }
  });

  test('the scale-out steps stop at the maximum', () => {
    const result = simulateScaling({ ...production, maxCapacity: 115 }, 100, [{ minutes: 20, cpuPercent: 95 }]);

    expect(result.capacityPath).toEqual([100, 110, 115]);
    expect(result.events.at(-1)?.outcome).toBe('bound');
  });
});

describe('alarm evaluation', () => {
  test('a single breaching minute between normal ones never scales out', () => {
    const trace: TraceSegment[] = Array.from({ length: 20 }, (_, i) => ({ minutes: 1, cpuPercent: i % 2 ? 90 : 50 }));

    expect(simulateScaling(production, 100, trace).events).toEqual([]);
  });

  test('exactly at the threshold does not breach (the alarms compare strictly)', () => {
    const trace: TraceSegment[] = [
      { minutes: 10, cpuPercent: 70 },
      { minutes: 10, cpuPercent: 30 },
    ];

    expect(simulateScaling(production, 100, trace).events).toEqual([]);
  });

  test('longer periods average their minutes into one datapoint', () => {
    const fleet: SimulatedFleet = {
      ...production,
      scaleOut: { ...production.scaleOut, periodSeconds: 300, evaluationPeriods: 1 },
    };
    // Minutes 0-4 average 74 %, above 70 %: one datapoint at the end of minute 4 trips the alarm.
    const trace: TraceSegment[] = [
      { minutes: 2, cpuPercent: 95 },
      { minutes: 3, cpuPercent: 60 },
    ];

    expect(simulateScaling(fleet, 100, trace).events).toEqual([
      { minute: 4, policy: 'scaleOut', outcome: 'scaled', from: 100, to: 110 },
    ]);
  });
});

describe('a load-driven trace', () => {
  test('CPU follows the work over the capacity, so scaling out lowers it', () => {
    const result = simulateScaling(production, 100, [{ minutes: 20, load: 8000 }]);

    expect(result.minutes[0].cpuPercent).toBe(80);
    expect(result.minutes[2].capacity).toBe(110);
    expect(result.minutes[2].cpuPercent).toBeCloseTo(8000 / 110);
    expect(result.capacityPath).toEqual([100, 110, 120]);
  });

  test('the spike scenario climbs 10 per 5 minutes, then sheds 5 per 10 minutes', () => {
    const result = simulateScaling(production, TRAFFIC_SPIKE.initialCapacity, TRAFFIC_SPIKE.trace);
    const changes = result.events.filter((e) => e.outcome === 'scaled');
    const ups = changes.filter((e) => e.policy === 'scaleOut').map((e) => e.minute);
    const downs = changes.filter((e) => e.policy === 'scaleIn').map((e) => e.minute);

    expect(ups).toEqual([11, 16, 21, 26, 31, 36, 41, 46]);
    expect(downs.slice(1).map((m, i) => m - downs[i])).toEqual(downs.slice(1).map(() => 10));
    expect(Math.max(...result.capacityPath)).toBe(180);
  });
});

test.each([
  [{ initial: 40 }, /initialCapacity is 40; allowed: an integer from 50 to 500/],
  [{ trace: [{ minutes: 1, cpuPercent: 120 }] }, /trace\[0\] is .*allowed: cpuPercent from 0 to 100/],
  [{ trace: [{ minutes: 1.5, cpuPercent: 10 }] }, /trace\[0\].minutes is 1.5/],
])('bad input %j is refused with the field and what is allowed', (input, message) => {
  const trace = (input as { trace?: TraceSegment[] }).trace ?? [];
  const initial = (input as { initial?: number }).initial ?? 100;

  expect(() => simulateScaling(production, initial, trace)).toThrow(message);
});

/** A deterministic, erratic CPU trace (a linear congruential generator), one segment per minute. */
function pseudoRandomTrace(seed: number, minutes: number): TraceSegment[] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  // Runs of 1 to 12 minutes at a level from 5 % to 100 %, so that both alarms fire now and then.
  const trace: TraceSegment[] = [];
  for (let total = 0; total < minutes; ) {
    const length = 1 + Math.floor(next() * 12);
    trace.push({ minutes: length, cpuPercent: Math.round(5 + next() * 95) });
    total += length;
  }
  return trace;
}
