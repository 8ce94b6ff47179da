import type { TraceSegment } from './scaling-simulator';

/** A named CPU trace for the scaling simulator, with the capacity it starts from. */
export interface ScalingScenario {
  readonly description: string;
  readonly initialCapacity: number;
  readonly trace: readonly TraceSegment[];
}

/**
 * The design document's worked example, minute by minute: normal load (10K req/s) at 40 % CPU on
 * 100 instances; a spike (30K req/s) at 85 % that the scale-out policy answers with 10 instances,
 * after which CPU settles at 65 %; then load falls to 25 % CPU, the scale-in policy removes 5,
 * and normal load returns.
 */
export const SEED_WORKED_EXAMPLE: ScalingScenario = {
  description: 'the seed example: 40 % on 100, spike to 85 %, settle at 65 %, fall to 25 %, back to 40 %',
  initialCapacity: 100,
  trace: [
    { minutes: 10, cpuPercent: 40 },
    // The spike lasts past the scale-out (2 minutes of datapoints): the cooldown must hold the group at 110.
    { minutes: 5, cpuPercent: 85 },
    { minutes: 15, cpuPercent: 65 },
    // The lull lasts past the scale-in (5 minutes of datapoints): the cooldown must hold the group at 105.
    { minutes: 7, cpuPercent: 25 },
    { minutes: 20, cpuPercent: 40 },
  ],
};

/**
 * A load-driven day in miniature: CPU follows the work divided by the capacity, so each scaling
 * step changes the CPU the alarms see. Work is in instance-percent (100 instances at 40 % is 4000).
 */
export const TRAFFIC_SPIKE: ScalingScenario = {
  description: 'load-driven: 10K req/s, a 3x spike for 40 minutes, then a quiet night',
  initialCapacity: 100,
  trace: [
    { minutes: 10, load: 4000 },
    { minutes: 40, load: 12_000 },
    { minutes: 30, load: 4000 },
    { minutes: 120, load: 2500 },
  ],
};

export const SCENARIOS = { seed: SEED_WORKED_EXAMPLE, spike: TRAFFIC_SPIKE } as const;
