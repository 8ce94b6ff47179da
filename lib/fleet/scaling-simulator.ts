import type { CpuScalingPolicyConfig } from '../config/fleet';

/**
 * A replay of the fleet's CPU scaling policies against a CPU trace, minute by minute, following
 * how CloudWatch and EC2 Auto Scaling treat the two SimpleScaling policies the fleet deploys:
 *
 * - each alarm turns one datapoint per period into the average CPU of that period, and is in
 *   ALARM while its last `evaluationPeriods` datapoints all breach the threshold (strictly above
 *   the scale-out threshold, strictly below the scale-in one);
 * - an alarm with an Auto Scaling action invokes its policy once a minute for as long as it stays
 *   in ALARM, not just when it enters it;
 * - a simple-scaling policy changes the desired capacity by its adjustment, clamped to
 *   [minCapacity, maxCapacity]; a change starts the policy's cooldown, during which the group
 *   ignores every simple-scaling invocation (of either policy); an invocation that changes
 *   nothing (already at a bound) starts no cooldown.
 *
 * Simplifications, stated so that nobody reads more into the figures: metrics arrive without
 * delay, every minute has a sample, and new instances serve at once (on the real fleet they need
 * the boot time covered by the health-check grace period before they lower the CPU).
 */

/** The policies and bounds the simulator replays; `FleetConfig` satisfies it. */
export interface SimulatedFleet {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly scaleOut: CpuScalingPolicyConfig;
  readonly scaleIn: CpuScalingPolicyConfig;
}

/**
 * A stretch of the trace. Either the group's average CPU is given (`cpuPercent`), or the work
 * (`load`, in instance-percent: 100 instances at 40 % is 4000), from which the CPU follows the
 * capacity: `min(100, load / capacity)`.
 */
export type TraceSegment =
  | { readonly minutes: number; readonly cpuPercent: number }
  | { readonly minutes: number; readonly load: number };

export type AlarmState = 'OK' | 'ALARM';

export type PolicyName = 'scaleOut' | 'scaleIn';

/** One minute of the replay, as seen at its end. */
export interface SimulatedMinute {
  /** Minutes since the start; the sample covers [minute, minute + 1). */
  readonly minute: number;
  /** Average CPU of the group during the minute. */
  readonly cpuPercent: number;
  /** Desired capacity at the end of the minute, after any scaling. */
  readonly capacity: number;
  readonly scaleOutAlarm: AlarmState;
  readonly scaleInAlarm: AlarmState;
}

/** A policy invocation, at the end of `minute`. */
export interface ScalingEvent {
  readonly minute: number;
  readonly policy: PolicyName;
  /** `scaled`: capacity changed; `cooldown`: ignored, a cooldown was running; `bound`: already at min or max. */
  readonly outcome: 'scaled' | 'cooldown' | 'bound';
  readonly from: number;
  readonly to: number;
}

export interface ScalingSimulation {
  readonly minutes: readonly SimulatedMinute[];
  readonly events: readonly ScalingEvent[];
  /** The capacity at the start and after each change, in order: for example [100, 110, 105]. */
  readonly capacityPath: readonly number[];
}

/**
 * Replays `trace` through the policies of `fleet`, starting at `initialCapacity`.
 * Pure: the same input gives the same output.
 */
export function simulateScaling(
  fleet: SimulatedFleet,
  initialCapacity: number,
  trace: readonly TraceSegment[],
): ScalingSimulation {
  validate(fleet, initialCapacity, trace);

  const samples: number[] = [];
  const minutes: SimulatedMinute[] = [];
  const events: ScalingEvent[] = [];
  const capacityPath = [initialCapacity];
  const datapoints: Record<PolicyName, boolean[]> = { scaleOut: [], scaleIn: [] };
  let capacity = initialCapacity;
  let cooldownEndsAtSecond = Number.NEGATIVE_INFINITY;

  let minute = 0;
  for (const segment of trace) {
    for (let i = 0; i < segment.minutes; i++, minute++) {
      const cpu = 'cpuPercent' in segment ? segment.cpuPercent : Math.min(100, segment.load / capacity);
      samples.push(cpu);
      const endSecond = (minute + 1) * 60;

      const state = {} as Record<PolicyName, AlarmState>;
      for (const policy of ['scaleOut', 'scaleIn'] as const) {
        const config = fleet[policy];
        const periodMinutes = config.periodSeconds / 60;
        if ((minute + 1) % periodMinutes === 0) {
          const average = mean(samples.slice(-periodMinutes));
          datapoints[policy].push(
            policy === 'scaleOut' ? average > config.cpuThresholdPercent : average < config.cpuThresholdPercent,
          );
        }
        const recent = datapoints[policy].slice(-config.evaluationPeriods);
        state[policy] = recent.length === config.evaluationPeriods && recent.every(Boolean) ? 'ALARM' : 'OK';
      }

      // Both alarms cannot be in ALARM at once (the scale-in threshold is below the scale-out one).
      for (const policy of ['scaleOut', 'scaleIn'] as const) {
        if (state[policy] !== 'ALARM') continue;
        const config = fleet[policy];
        const target = clamp(
          capacity + (policy === 'scaleOut' ? config.adjustment : -config.adjustment),
          fleet.minCapacity,
          fleet.maxCapacity,
        );
        if (endSecond < cooldownEndsAtSecond) {
          events.push({ minute, policy, outcome: 'cooldown', from: capacity, to: capacity });
        } else if (target === capacity) {
          events.push({ minute, policy, outcome: 'bound', from: capacity, to: capacity });
        } else {
          events.push({ minute, policy, outcome: 'scaled', from: capacity, to: target });
          capacity = target;
          capacityPath.push(capacity);
          cooldownEndsAtSecond = endSecond + config.cooldownSeconds;
        }
      }

      minutes.push({
        minute,
        cpuPercent: cpu,
        capacity,
        scaleOutAlarm: state.scaleOut,
        scaleInAlarm: state.scaleIn,
      });
    }
  }
  return { minutes, events, capacityPath };
}

function validate(fleet: SimulatedFleet, initialCapacity: number, trace: readonly TraceSegment[]): void {
  const fail = (field: string, value: unknown, allowed: string): never => {
    throw new Error(`simulateScaling: ${field} is ${JSON.stringify(value)}; allowed: ${allowed}`);
  };
  if (
    !(Number.isInteger(initialCapacity) && initialCapacity >= fleet.minCapacity && initialCapacity <= fleet.maxCapacity)
  ) {
    fail('initialCapacity', initialCapacity, `an integer from ${fleet.minCapacity} to ${fleet.maxCapacity}`);
  }
  for (const policy of ['scaleOut', 'scaleIn'] as const) {
    const { periodSeconds, evaluationPeriods, cooldownSeconds } = fleet[policy];
    if (!(Number.isInteger(periodSeconds) && periodSeconds >= 60 && periodSeconds % 60 === 0)) {
      fail(`${policy}.periodSeconds`, periodSeconds, 'a positive multiple of 60');
    }
    if (!(Number.isInteger(evaluationPeriods) && evaluationPeriods >= 1)) {
      fail(`${policy}.evaluationPeriods`, evaluationPeriods, 'a positive integer');
    }
    if (!(cooldownSeconds >= 0)) fail(`${policy}.cooldownSeconds`, cooldownSeconds, 'zero or more seconds');
  }
  for (const [i, segment] of trace.entries()) {
    if (!(Number.isInteger(segment.minutes) && segment.minutes >= 0)) {
      fail(`trace[${i}].minutes`, segment.minutes, 'a whole number of minutes, 0 or more');
    }
    const level = 'cpuPercent' in segment ? segment.cpuPercent : segment.load;
    const ok = 'cpuPercent' in segment ? level >= 0 && level <= 100 : level >= 0;
    if (!(Number.isFinite(level) && ok)) {
      fail(`trace[${i}]`, segment, 'cpuPercent from 0 to 100, or a load of 0 or more');
    }
  }
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
