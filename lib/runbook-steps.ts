/**
 * The contract between the failover runbook's state machine (`runbook.ts`) and its step handlers
 * (`lambda/`): which fields each step's event carries that do not change between executions, and
 * the order the state machine runs the steps in. The drill (`scripts/drill.ts`) builds its events
 * from the same functions, so it runs the handlers exactly as the state machine does.
 */

/** The runbook's steps, in order; `check-promotion` and `verify` are polled from Wait states. */
export const RUNBOOK_STEPS = [
  'preflight',
  'fence-writes',
  'scale-fleet',
  'promote-database',
  'check-promotion',
  'enable-multi-az',
  'switch-traffic',
  'resume-writes',
  'verify',
  'report',
] as const;

export type RunbookStep = (typeof RUNBOOK_STEPS)[number];

/** Where each step's result goes in the execution state: `$.steps.<key>`. */
export const STEP_STATE_KEYS: Readonly<Record<RunbookStep, string>> = {
  preflight: 'preflight',
  'fence-writes': 'fenceWrites',
  'scale-fleet': 'scaleFleet',
  'promote-database': 'promoteDatabase',
  'check-promotion': 'checkPromotion',
  'enable-multi-az': 'enableMultiAz',
  'switch-traffic': 'switchTraffic',
  'resume-writes': 'resumeWrites',
  verify: 'verify',
  report: 'report',
};

/** The state machine's Task state running each step. */
export const STEP_STATE_NAMES: Readonly<Record<RunbookStep, string>> = {
  preflight: 'Preflight',
  'fence-writes': 'FenceWrites',
  'scale-fleet': 'ScaleFleet',
  'promote-database': 'PromoteDatabase',
  'check-promotion': 'CheckPromotion',
  'enable-multi-az': 'EnableMultiAz',
  'switch-traffic': 'SwitchTraffic',
  'resume-writes': 'ResumeWrites',
  verify: 'Verify',
  report: 'Report',
};

/** The switch modes: `alarm` (data plane, the default) or `records` (Route 53 control plane, the fallback). */
export type SwitchMode = 'alarm' | 'records';

/** The standby fleet's production capacity. */
export interface FleetCapacity {
  readonly min: number;
  readonly desired: number;
  readonly max: number;
}

/** What the runbook acts on, and its bounds. Strings may be CloudFormation tokens. */
export interface RunbookTargets {
  readonly primaryRegion: string;
  readonly standbyRegion: string;
  readonly primaryHealthCheckId: string;
  readonly dbInstanceIdentifier: string;
  readonly backupRetentionDays: number;
  readonly autoScalingGroupName: string;
  readonly capacity: FleetCapacity;
  readonly writeSwitchParameterName: string;
  readonly switchAlarmName: string;
  readonly switchMetricNamespace: string;
  readonly hostedZoneId: string;
  readonly recordName: string;
  readonly healthUrls: readonly string[];
  readonly healthRequestTimeoutMs: number;
  readonly promotionTimeoutSeconds: number;
  readonly verifyTimeoutSeconds: number;
  readonly metricsNamespace: string;
  readonly rtoBudgetSeconds: number;
}

/** The execution input once the state machine has filled in its defaults. */
export interface RunbookRunInput {
  readonly dryRun: boolean;
  readonly planned: boolean;
  readonly primaryDownConfirmed: boolean;
  readonly maxReplicaLagSeconds: number;
  readonly switchMode: SwitchMode;
}

/** Each step's event fields that come from the targets (the rest come from the execution). */
export function staticStepFields(t: RunbookTargets): Readonly<Record<RunbookStep, Record<string, unknown>>> {
  const switchTargets = {
    alarm: { name: t.switchAlarmName, namespace: t.switchMetricNamespace },
    records: { hostedZoneId: t.hostedZoneId, recordName: t.recordName },
  };
  return {
    preflight: {
      primaryHealthCheckId: t.primaryHealthCheckId,
      dbInstanceIdentifier: t.dbInstanceIdentifier,
      autoScalingGroupName: t.autoScalingGroupName,
      capacity: { ...t.capacity },
      writeSwitchParameterName: t.writeSwitchParameterName,
      ...switchTargets,
    },
    'fence-writes': {
      dbInstanceIdentifier: t.dbInstanceIdentifier,
      parameterName: t.writeSwitchParameterName,
      standbyRegion: t.standbyRegion,
      primaryRegion: t.primaryRegion,
    },
    'scale-fleet': { autoScalingGroupName: t.autoScalingGroupName, capacity: { ...t.capacity } },
    'promote-database': { dbInstanceIdentifier: t.dbInstanceIdentifier, backupRetentionDays: t.backupRetentionDays },
    'check-promotion': { dbInstanceIdentifier: t.dbInstanceIdentifier, timeoutSeconds: t.promotionTimeoutSeconds },
    'enable-multi-az': { dbInstanceIdentifier: t.dbInstanceIdentifier },
    'switch-traffic': { ...switchTargets },
    'resume-writes': { parameterName: t.writeSwitchParameterName, region: t.standbyRegion },
    verify: {
      healthUrls: [...t.healthUrls],
      requestTimeoutMs: t.healthRequestTimeoutMs,
      expectWritesEnabled: true,
      autoScalingGroupName: t.autoScalingGroupName,
      minInService: t.capacity.min,
      timeoutSeconds: t.verifyTimeoutSeconds,
    },
    report: { metricsNamespace: t.metricsNamespace, rtoBudgetSeconds: t.rtoBudgetSeconds },
  };
}

/**
 * The states a successful execution passes through when the promotion and the verification are
 * done at their first check, in order. The construct test walks the state machine's definition
 * along this path; the drill records the same names.
 */
export const HAPPY_PATH_STATES = [
  'NotifyStart',
  'Preflight',
  'FenceWrites',
  'ScaleFleet',
  'PromoteDatabase',
  'CheckPromotion',
  'EnableMultiAz',
  'SwitchTraffic',
  'ResumeWrites',
  'Verify',
  'Report',
  'NotifyEnd',
] as const;

/**
 * Environment variable of every step function holding the failover-in-progress metric as JSON
 * `{namespace, metricName, dimensions}` (`PlatformNames.failoverInProgressMetric`).
 */
export const IN_PROGRESS_METRIC_ENV = 'FAILOVER_IN_PROGRESS_METRIC';
