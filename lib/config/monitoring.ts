import type { ConfigProblem } from './errors';
import type { ProfileName, RegionRole } from './types';

/** Who hears of an alert: `critical` pages on-call, `warning` notifies the team. */
export type AlertSeverity = 'critical' | 'warning';

export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['critical', 'warning'];

/**
 * When an alert fires and who hears of it. The alert fires once its condition has held for
 * `evaluationPeriods` consecutive periods of `periodSeconds`: the window, the Prometheus `for:`.
 */
export interface AlertWindowConfig {
  /** Length of one evaluation period in seconds: 60 or a multiple of 60. */
  readonly periodSeconds: number;

  /** Consecutive breaching periods before the alert fires; every period must breach. */
  readonly evaluationPeriods: number;

  readonly severity: AlertSeverity;
}

/** An alert on a fraction, such as the share of requests answered with a 5xx. */
export interface RatioAlertConfig extends AlertWindowConfig {
  /** The fraction (0 to 1) the condition compares with. */
  readonly thresholdRatio: number;
}

/** An alert on a duration. */
export interface DurationAlertConfig extends AlertWindowConfig {
  /** The duration in seconds the condition compares with. */
  readonly thresholdSeconds: number;
}

/** An alert on a percentage (CPU, memory, disk). */
export interface PercentAlertConfig extends AlertWindowConfig {
  /** The percentage (0 to 100) the condition compares with. */
  readonly thresholdPercent: number;
}

/** An alert on a count: connections, events per period, partitions. */
export interface CountAlertConfig extends AlertWindowConfig {
  /** The count the condition compares with (per period, for events). */
  readonly thresholdCount: number;
}

/** An alert on free storage. */
export interface StorageAlertConfig extends AlertWindowConfig {
  /** Free space in GiB below which the alert fires. */
  readonly thresholdGiB: number;
}

/**
 * Every alert of one region. The first four are the design document's Prometheus rules, with its
 * numbers; the others cover the infrastructure and database metrics it lists, with numbers of ours.
 */
export interface AlertsConfig {
  /** HighErrorRate: share of requests answered with a 5xx (ALB and targets) above the threshold. */
  readonly highErrorRate: RatioAlertConfig;

  /** DatabaseDown: no instance of the service reaches the database (see `lib/monitoring.ts`). */
  readonly databaseDown: AlertWindowConfig;

  /** HighLatency: p99 of the targets' response time above the threshold. */
  readonly highLatency: DurationAlertConfig;

  /** LowCacheHitRate: Redis hits over hits plus misses, over the whole cluster, below the threshold. */
  readonly lowCacheHitRate: RatioAlertConfig;

  /** Average CPU of the fleet above the threshold: scaling out is not keeping up. */
  readonly fleetCpuHigh: PercentAlertConfig;

  /** Memory use of the fullest instance above the threshold. */
  readonly fleetMemoryHigh: PercentAlertConfig;

  /** Root-disk use of the fullest instance above the threshold. */
  readonly fleetDiskHigh: PercentAlertConfig;

  /** Fewer instances in service than the group's floor (`fleet.minCapacity`): in the standby, the warm floor. */
  readonly fleetBelowFloor: AlertWindowConfig;

  /** CPU of the busiest database instance above the threshold. */
  readonly databaseCpuHigh: PercentAlertConfig;

  /** Connections to the busiest database instance above the threshold (about 80 % of its `max_connections`). */
  readonly databaseConnectionsHigh: CountAlertConfig;

  /** Free storage of the fullest database instance below the threshold. */
  readonly databaseFreeStorageLow: StorageAlertConfig;

  /** Statements slower than one second (the design document's slow query), per period, above the threshold. */
  readonly slowQueries: CountAlertConfig;

  /** Memory use of the fullest Redis node above the threshold. */
  readonly cacheMemoryHigh: PercentAlertConfig;

  /** Keys evicted over the whole Redis cluster, per period, above the threshold. */
  readonly cacheEvictions: CountAlertConfig;

  /** Data-log disk use of the fullest Kafka broker above the threshold. */
  readonly streamingDiskHigh: PercentAlertConfig;

  /** Under-replicated partitions over all brokers above the threshold. */
  readonly underReplicatedPartitions: CountAlertConfig;

  /** OpenSearch cluster status red: a primary shard is unassigned. */
  readonly searchClusterRed: AlertWindowConfig;

  /** OpenSearch cluster status yellow: a replica shard is unassigned. */
  readonly searchClusterYellow: AlertWindowConfig;
}

/** Name of one alert of {@link AlertsConfig}. */
export type AlertName = keyof AlertsConfig;

/**
 * How the alarms a failover is expected to trip are held back while the failover runbook runs
 * (the runbook publishes `PlatformNames.failoverInProgressMetric`).
 */
export interface FailoverSuppressionConfig {
  /**
   * Minutes a heartbeat of the runbook keeps the failover-in-progress alarm on: the runbook must
   * publish again within this time, and suppression ends this long after its last heartbeat.
   */
  readonly heartbeatWindowMinutes: number;

  /**
   * Seconds a composite alarm that goes into alarm waits for the failover-in-progress alarm before
   * it notifies anyway (covers the runbook's first heartbeat arriving after the first symptom).
   */
  readonly waitPeriodSeconds: number;

  /**
   * Seconds the suppression lasts after the failover-in-progress alarm ends: the cold cache of the
   * standby warms and the scaled-out fleet settles within it.
   */
  readonly extensionPeriodSeconds: number;
}

/** Alerts, suppression and notification settings of one region. */
export interface MonitoringConfig {
  readonly alerts: AlertsConfig;
  readonly failoverSuppression: FailoverSuppressionConfig;
}

/** Every alert, in the order the dashboard and the rules file list them. */
export const ALERT_NAMES: readonly AlertName[] = [
  'highErrorRate',
  'databaseDown',
  'highLatency',
  'lowCacheHitRate',
  'fleetCpuHigh',
  'fleetMemoryHigh',
  'fleetDiskHigh',
  'fleetBelowFloor',
  'databaseCpuHigh',
  'databaseConnectionsHigh',
  'databaseFreeStorageLow',
  'slowQueries',
  'cacheMemoryHigh',
  'cacheEvictions',
  'streamingDiskHigh',
  'underReplicatedPartitions',
  'searchClusterRed',
  'searchClusterYellow',
];

/**
 * The alerts a failover is expected to trip in the region that takes the traffic: its cold cache,
 * and its latency and CPU until the scale-out lands. They stay warnings, and their notifications
 * are held back while the failover runbook runs (`lib/monitoring.ts`).
 */
export const FAILOVER_EXPECTED_ALERTS: readonly AlertName[] = ['highLatency', 'lowCacheHitRate', 'fleetCpuHigh'];

/** Where an alert keeps its threshold and the values the threshold may take. */
interface ThresholdSpec {
  readonly field: 'thresholdRatio' | 'thresholdSeconds' | 'thresholdPercent' | 'thresholdCount' | 'thresholdGiB';
  readonly min: number;
  readonly max: number;
  readonly allowed: string;
}

const RATIO: ThresholdSpec = { field: 'thresholdRatio', min: 0, max: 1, allowed: 'a fraction from 0 to 1' };
const PERCENT: ThresholdSpec = { field: 'thresholdPercent', min: 1, max: 100, allowed: 'a percentage from 1 to 100' };
const count = (max: number, allowed = `an integer from 0 to ${max}`): ThresholdSpec => ({
  field: 'thresholdCount',
  min: 0,
  max,
  allowed,
});

/** The threshold of each alert that has one; the others have a fixed condition. */
const THRESHOLDS: Readonly<Partial<Record<AlertName, ThresholdSpec>>> = {
  highErrorRate: RATIO,
  highLatency: { field: 'thresholdSeconds', min: 0.001, max: 60, allowed: 'a number of seconds from 0.001 to 60' },
  lowCacheHitRate: RATIO,
  fleetCpuHigh: PERCENT,
  fleetMemoryHigh: PERCENT,
  fleetDiskHigh: PERCENT,
  databaseCpuHigh: PERCENT,
  databaseConnectionsHigh: count(262_143, 'an integer from 0 to 262143 (the PostgreSQL max_connections ceiling)'),
  databaseFreeStorageLow: { field: 'thresholdGiB', min: 1, max: 65_536, allowed: 'a number of GiB from 1 to 65536' },
  slowQueries: count(1_000_000),
  cacheMemoryHigh: PERCENT,
  cacheEvictions: count(100_000_000),
  streamingDiskHigh: PERCENT,
  underReplicatedPartitions: count(100_000),
};

/** The threshold of `alert`, whatever its unit; `undefined` for alerts with a fixed condition. */
export function alertThreshold(alerts: AlertsConfig, alert: AlertName): number | undefined {
  const spec = THRESHOLDS[alert];
  return spec === undefined ? undefined : (alerts[alert] as unknown as Record<string, number>)[spec.field];
}

/** The window of an alert in seconds: how long its condition must hold. */
export function alertWindowSeconds(window: AlertWindowConfig): number {
  return window.periodSeconds * window.evaluationPeriods;
}

/**
 * Monitoring of each profile and role. The design document's four alerts carry its numbers in
 * every profile: 5xx above 5 % for 5 minutes (critical), the database down for 1 minute
 * (critical), p99 above 1 s for 5 minutes (warning), cache hit rate below 80 % for 10 minutes
 * (warning). The others scale with the role's instance sizes (`data.ts`).
 */
export function monitoringProfile(profile: ProfileName, role: RegionRole): MonitoringConfig {
  const production = profile === 'production';
  const minutes = (evaluationPeriods: number, severity: AlertSeverity = 'warning') => ({
    periodSeconds: 60,
    evaluationPeriods,
    severity,
  });
  return {
    alerts: {
      highErrorRate: { ...minutes(5, 'critical'), thresholdRatio: 0.05 },
      databaseDown: minutes(1, 'critical'),
      highLatency: { ...minutes(5), thresholdSeconds: 1 },
      lowCacheHitRate: { ...minutes(10), thresholdRatio: 0.8 },
      // Scale-out starts at 70 %; sustained 85 % means it is not keeping up or the group is at its ceiling.
      fleetCpuHigh: { ...minutes(15), thresholdPercent: 85 },
      fleetMemoryHigh: { ...minutes(10), thresholdPercent: 90 },
      // The service reports itself degraded above 90 % disk (app/src/routes/ops.ts).
      fleetDiskHigh: { ...minutes(5), thresholdPercent: 90 },
      fleetBelowFloor: minutes(15),
      databaseCpuHigh: { ...minutes(15), thresholdPercent: 80 },
      // 80 % of max_connections, which RDS derives from the instance memory (capped at 5000):
      // r7g.2xlarge 5000, r7g.xlarge about 3400, t4g.medium about 400.
      databaseConnectionsHigh: {
        ...minutes(10),
        thresholdCount: production ? (role === 'primary' ? 4000 : 2700) : 320,
      },
      // RDS storage autoscaling grows the volume well before this; the alarm catches the ceiling.
      databaseFreeStorageLow: { ...minutes(5), thresholdGiB: production ? 100 : 2 },
      slowQueries: { ...minutes(5), thresholdCount: production ? 50 : 10 },
      cacheMemoryHigh: { ...minutes(15), thresholdPercent: 80 },
      cacheEvictions: { ...minutes(15), thresholdCount: production ? 1000 : 100 },
      // Storage autoscaling keeps the brokers near 60 % (data.ts); 80 % means it has reached its ceiling.
      streamingDiskHigh: { ...minutes(15), thresholdPercent: 80 },
      underReplicatedPartitions: { ...minutes(10), thresholdCount: 0 },
      searchClusterRed: minutes(1),
      searchClusterYellow: minutes(10),
    },
    failoverSuppression: {
      heartbeatWindowMinutes: 10,
      waitPeriodSeconds: 120,
      extensionPeriodSeconds: 900,
    },
  };
}

/** Every problem of one role's monitoring settings, keyed as `<role>.monitoring.<field>`. */
export function validateMonitoring(monitoring: MonitoringConfig, role: RegionRole): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const check = (ok: boolean, field: string, value: unknown, allowed: string) => {
    if (!ok) problems.push({ key: `${role}.monitoring.${field}`, value, allowed });
  };

  const alerts = monitoring.alerts;
  for (const name of ALERT_NAMES) {
    const alert = alerts[name];
    const at = (field: string) => `alerts.${name}.${field}`;
    if (typeof alert !== 'object' || alert === null) {
      check(false, `alerts.${name}`, alert, 'an object with periodSeconds, evaluationPeriods and severity');
      continue;
    }
    check(
      isIntegerBetween(alert.periodSeconds, 60, 86_400) && alert.periodSeconds % 60 === 0,
      at('periodSeconds'),
      alert.periodSeconds,
      'a multiple of 60 seconds, up to 86400',
    );
    check(
      isIntegerBetween(alert.evaluationPeriods, 1, 1440) && alert.periodSeconds * alert.evaluationPeriods <= 86_400,
      at('evaluationPeriods'),
      alert.evaluationPeriods,
      'an integer from 1 whose periods add up to at most one day',
    );
    check(
      ALERT_SEVERITIES.includes(alert.severity),
      at('severity'),
      alert.severity,
      `one of ${ALERT_SEVERITIES.join(', ')}`,
    );
    const spec = THRESHOLDS[name];
    if (spec !== undefined) {
      const value = alertThreshold(alerts, name);
      const integer = spec.field === 'thresholdCount';
      check(
        typeof value === 'number' &&
          Number.isFinite(value) &&
          value >= spec.min &&
          value <= spec.max &&
          (!integer || Number.isInteger(value)),
        at(spec.field),
        value,
        spec.allowed,
      );
    }
  }
  // A page must come from an alert that means users are failing; the seed's two critical ones stay critical.
  for (const name of ['highErrorRate', 'databaseDown'] as const) {
    check(
      alerts[name]?.severity === 'critical',
      `alerts.${name}.severity`,
      alerts[name]?.severity,
      'critical: the design document pages on it',
    );
  }

  for (const name of FAILOVER_EXPECTED_ALERTS) {
    check(
      alerts[name]?.severity === 'warning',
      `alerts.${name}.severity`,
      alerts[name]?.severity,
      'warning: every failover trips it in the region taking over, so it must not page',
    );
  }
  const infrastructure = ALERT_NAMES.filter(
    (name) => !FAILOVER_EXPECTED_ALERTS.includes(name) && name !== 'highErrorRate' && name !== 'databaseDown',
  );
  check(
    infrastructure.some((name) => alerts[name]?.severity === 'warning'),
    'alerts',
    Object.fromEntries(infrastructure.map((name) => [name, alerts[name]?.severity])),
    'at least one infrastructure alert of severity warning, for the InfrastructureDegraded composite alarm to watch',
  );

  const suppression = monitoring.failoverSuppression;
  check(
    isIntegerBetween(suppression.heartbeatWindowMinutes, 1, 60),
    'failoverSuppression.heartbeatWindowMinutes',
    suppression.heartbeatWindowMinutes,
    'an integer from 1 to 60 minutes',
  );
  check(
    isIntegerBetween(suppression.waitPeriodSeconds, 60, 3600),
    'failoverSuppression.waitPeriodSeconds',
    suppression.waitPeriodSeconds,
    'an integer from 60 to 3600 seconds',
  );
  check(
    isIntegerBetween(suppression.extensionPeriodSeconds, 60, 86_400),
    'failoverSuppression.extensionPeriodSeconds',
    suppression.extensionPeriodSeconds,
    'an integer from 60 to 86400 seconds',
  );
  return problems;
}

function isIntegerBetween(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
