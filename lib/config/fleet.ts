import type { ConfigProblem } from './errors';
import type { RegionRole } from './types';
import { LOG_RETENTION_DAYS } from './validate';

/**
 * One CPU scaling policy of the fleet: a CloudWatch alarm on the group's average CPU that drives
 * a SimpleScaling policy (a fixed change in capacity, then a cooldown).
 */
export interface CpuScalingPolicyConfig {
  /** Average CPU (percent, 0 to 100) that trips the alarm: above it to scale out, below it to scale in. */
  readonly cpuThresholdPercent: number;

  /** Instances added (scale out) or removed (scale in) each time the policy runs; a positive integer. */
  readonly adjustment: number;

  /**
   * Seconds after a scaling activity of this policy during which the group starts no further
   * simple-scaling activity (of either policy).
   */
  readonly cooldownSeconds: number;

  /** Length of one alarm period in seconds: 60 (needs detailed monitoring, which the fleet turns on) or a multiple of 60. */
  readonly periodSeconds: number;

  /** Consecutive breaching periods before the alarm fires. */
  readonly evaluationPeriods: number;
}

/** ALB settings. */
export interface LoadBalancerConfig {
  /** Refuse `DeleteLoadBalancer` until the flag is lifted; on in production. */
  readonly deletionProtection: boolean;

  /**
   * Seconds a connection may stay idle before the ALB closes it (1 to 4000). The service's own
   * keep-alive timeout must be longer, or the ALB reuses connections the service has closed (502s).
   */
  readonly idleTimeoutSeconds: number;

  /**
   * Seconds the ALB keeps a client (CloudFront) connection open at most (60 to 604800); after it,
   * the connection is closed at its next request, so long-lived origin connections rebalance over
   * the ALB nodes after the ALB scales.
   */
  readonly clientKeepAliveSeconds: number;

  /** Days the ALB access logs are kept in their S3 bucket. */
  readonly accessLogRetentionDays: number;
}

/** ALB target-group health check of the service's `GET /health`. */
export interface FleetHealthCheckConfig {
  /** Seconds between checks (5 to 300). */
  readonly intervalSeconds: number;

  /** Failed checks in a row that take a target out of service (2 to 10). */
  readonly unhealthyThreshold: number;

  /** Passed checks in a row that put a target in service (2 to 10). */
  readonly healthyThreshold: number;

  /** Seconds a check waits for the answer (2 to 120), less than the interval. */
  readonly timeoutSeconds: number;

  /**
   * Seconds the ALB lets in-flight requests finish on a deregistering target before closing its
   * connections (0 to 3600). The service drains within this on SIGTERM.
   */
  readonly deregistrationDelaySeconds: number;
}

/** The app fleet of one region: ALB, Auto Scaling group and their policies. */
export interface FleetConfig {
  /** A Graviton (arm64) instance type, such as `c7g.xlarge`: the user data installs arm64 packages. */
  readonly instanceType: string;

  /** Fewest instances the group ever runs; in the standby, the warm floor the failover runbook raises. */
  readonly minCapacity: number;

  /** Most instances the group ever runs. */
  readonly maxCapacity: number;

  /**
   * Instances when the group is created. Omitted (`undefined`), the template carries no desired
   * capacity at all and the group starts at `minCapacity`, as the standby does. Once the group
   * exists, deploys leave its size alone unless this value itself changes (see `fleet.ts`).
   */
  readonly desiredCapacityAtCreation?: number;

  /** Average CPU above the threshold adds instances. */
  readonly scaleOut: CpuScalingPolicyConfig;

  /** Average CPU below the threshold removes instances. */
  readonly scaleIn: CpuScalingPolicyConfig;

  readonly healthCheck: FleetHealthCheckConfig;

  /**
   * Seconds after launch before the group acts on failed ELB health checks; must cover boot
   * (package install, bundle download, service start).
   */
  readonly healthCheckGracePeriodSeconds: number;

  /** Size of the encrypted gp3 root volume in GiB (AL2023 needs at least 8). */
  readonly rootVolumeGiB: number;

  /**
   * Share of the group's desired capacity kept healthy and in service while an instance refresh
   * replaces instances after a launch-template change (percent, 0 to 100).
   */
  readonly instanceRefreshMinHealthyPercent: number;

  readonly loadBalancer: LoadBalancerConfig;

  /** Days the service log group keeps the shipped service logs. */
  readonly serviceLogRetentionDays: number;

  /**
   * Days the log group keeps the embedded-metric-format events the CloudWatch agent writes for the
   * service's scraped Prometheus metrics. CloudWatch extracts the metrics on arrival, so the events
   * themselves are only kept for troubleshooting.
   */
  readonly serviceMetricsLogRetentionDays: number;

  /** `LOG_LEVEL` passed to the service. */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** The seed's scaling policy: above 70 % CPU add 10 then wait 300 s; below 30 % remove 5 then wait 600 s. */
const SEED_SCALE_OUT: CpuScalingPolicyConfig = {
  cpuThresholdPercent: 70,
  adjustment: 10,
  cooldownSeconds: 300,
  // Two one-minute periods: a spike is acted on within about 2 minutes, a single noisy minute is not.
  periodSeconds: 60,
  evaluationPeriods: 2,
};

const SEED_SCALE_IN: CpuScalingPolicyConfig = {
  cpuThresholdPercent: 30,
  adjustment: 5,
  cooldownSeconds: 600,
  // Five one-minute periods: removing capacity waits for a sustained lull, never a dip.
  periodSeconds: 60,
  evaluationPeriods: 5,
};

/**
 * The seed's health check (every 30 s, unhealthy after 2 failures). A recovered or new target
 * needs 2 passes (60 s) to take traffic; each check waits 5 s. Deregistration waits 30 s: the
 * service stops accepting work on SIGTERM and finishes in-flight requests within 25 s, and the
 * systemd unit allows 40 s before it kills the process.
 */
const SEED_HEALTH_CHECK: FleetHealthCheckConfig = {
  intervalSeconds: 30,
  unhealthyThreshold: 2,
  healthyThreshold: 2,
  timeoutSeconds: 5,
  deregistrationDelaySeconds: 30,
};

/**
 * The ALB's connection settings: a 60 s idle timeout (API requests are short; media goes to S3
 * directly), below the service's keep-alive timeout; client connections recycled after 1 hour.
 */
function loadBalancer(production: boolean): LoadBalancerConfig {
  return {
    deletionProtection: production,
    idleTimeoutSeconds: 60,
    clientKeepAliveSeconds: 3600,
    accessLogRetentionDays: production ? 365 : 30,
  };
}

/** Fleet settings of each profile and role. */
export function fleetProfile(profile: 'production' | 'development', role: RegionRole): FleetConfig {
  const production = profile === 'production';
  const shared = {
    scaleOut: SEED_SCALE_OUT,
    scaleIn: SEED_SCALE_IN,
    healthCheck: SEED_HEALTH_CHECK,
    // Boot installs Node.js and the CloudWatch agent from the OS repositories, fetches the bundle and
    // starts the service: about 2 to 3 minutes; 5 minutes leaves a margin.
    healthCheckGracePeriodSeconds: 300,
    rootVolumeGiB: production ? 20 : 8,
    instanceRefreshMinHealthyPercent: 90,
    loadBalancer: loadBalancer(production),
    serviceLogRetentionDays: production ? 90 : 14,
    serviceMetricsLogRetentionDays: production ? 7 : 3,
    logLevel: 'info',
  } as const;

  if (!production) {
    return {
      ...shared,
      instanceType: 't4g.small',
      minCapacity: 1,
      maxCapacity: 4,
      ...(role === 'primary' ? { desiredCapacityAtCreation: 2 } : {}),
    };
  }
  if (role === 'primary') {
    return { ...shared, instanceType: 'c7g.xlarge', minCapacity: 50, maxCapacity: 500, desiredCapacityAtCreation: 100 };
  }
  // The warm standby: two instances per AZ keep every AZ serving; the failover runbook raises the
  // floor to the primary's and the same CPU policy takes it from there.
  return { ...shared, instanceType: 'c7g.xlarge', minCapacity: 6, maxCapacity: 500 };
}

/** Graviton families: a letter-led family whose generation is followed by `g` (c7g, m7gd, r8g, t4g, im4gn...). */
const GRAVITON_INSTANCE_TYPE = /^[a-z]+\d+g[a-z-]*\.(nano|micro|small|medium|large|metal|\d*xlarge)$/;

/** Every problem of one role's fleet settings, keyed as `<role>.fleet.<field>`. */
export function validateFleet(fleet: FleetConfig, role: RegionRole): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const check = (ok: boolean, field: string, value: unknown, allowed: string) => {
    if (!ok) problems.push({ key: `${role}.fleet.${field}`, value, allowed });
  };

  check(
    typeof fleet.instanceType === 'string' && GRAVITON_INSTANCE_TYPE.test(fleet.instanceType),
    'instanceType',
    fleet.instanceType,
    'a Graviton (arm64) instance type such as c7g.xlarge or t4g.small',
  );
  check(isIntegerBetween(fleet.minCapacity, 0, 10_000), 'minCapacity', fleet.minCapacity, 'an integer from 0 to 10000');
  check(
    isIntegerBetween(fleet.maxCapacity, 1, 10_000) && fleet.maxCapacity >= fleet.minCapacity,
    'maxCapacity',
    fleet.maxCapacity,
    `an integer from 1 to 10000, at least minCapacity (${fleet.minCapacity})`,
  );
  if (role === 'standby') {
    // The standby's size belongs to the failover runbook and the scaling policies: a template value
    // would fight them, so the standby starts at its warm floor (minCapacity).
    check(
      fleet.desiredCapacityAtCreation === undefined,
      'desiredCapacityAtCreation',
      fleet.desiredCapacityAtCreation,
      'nothing: the standby starts at its warm floor, minCapacity',
    );
  } else if (fleet.desiredCapacityAtCreation !== undefined) {
    check(
      isIntegerBetween(fleet.desiredCapacityAtCreation, fleet.minCapacity, fleet.maxCapacity),
      'desiredCapacityAtCreation',
      fleet.desiredCapacityAtCreation,
      `an integer from minCapacity (${fleet.minCapacity}) to maxCapacity (${fleet.maxCapacity}), or nothing to start at minCapacity`,
    );
  }

  for (const direction of ['scaleOut', 'scaleIn'] as const) {
    const policy = fleet[direction];
    const at = (field: string) => `${direction}.${field}`;
    check(
      isNumberBetween(policy.cpuThresholdPercent, 0, 100),
      at('cpuThresholdPercent'),
      policy.cpuThresholdPercent,
      'a percentage from 0 to 100',
    );
    check(
      isIntegerBetween(policy.adjustment, 1, 10_000),
      at('adjustment'),
      policy.adjustment,
      'a positive whole number of instances',
    );
    check(
      isIntegerBetween(policy.cooldownSeconds, 1, 86_400),
      at('cooldownSeconds'),
      policy.cooldownSeconds,
      'an integer from 1 to 86400 seconds',
    );
    check(
      isIntegerBetween(policy.periodSeconds, 60, 86_400) && policy.periodSeconds % 60 === 0,
      at('periodSeconds'),
      policy.periodSeconds,
      'a multiple of 60 seconds, up to 86400',
    );
    check(
      isIntegerBetween(policy.evaluationPeriods, 1, 1440) && policy.periodSeconds * policy.evaluationPeriods <= 86_400,
      at('evaluationPeriods'),
      policy.evaluationPeriods,
      'an integer from 1 whose periods add up to at most one day',
    );
  }
  check(
    !(fleet.scaleIn.cpuThresholdPercent >= fleet.scaleOut.cpuThresholdPercent),
    'scaleIn.cpuThresholdPercent',
    fleet.scaleIn.cpuThresholdPercent,
    `a percentage below scaleOut.cpuThresholdPercent (${fleet.scaleOut.cpuThresholdPercent}), or the policies fight`,
  );

  const hc = fleet.healthCheck;
  check(
    isIntegerBetween(hc.intervalSeconds, 5, 300),
    'healthCheck.intervalSeconds',
    hc.intervalSeconds,
    'an integer from 5 to 300',
  );
  check(
    isIntegerBetween(hc.unhealthyThreshold, 2, 10),
    'healthCheck.unhealthyThreshold',
    hc.unhealthyThreshold,
    'an integer from 2 to 10',
  );
  check(
    isIntegerBetween(hc.healthyThreshold, 2, 10),
    'healthCheck.healthyThreshold',
    hc.healthyThreshold,
    'an integer from 2 to 10',
  );
  check(
    isIntegerBetween(hc.timeoutSeconds, 2, 120) && hc.timeoutSeconds < hc.intervalSeconds,
    'healthCheck.timeoutSeconds',
    hc.timeoutSeconds,
    `an integer from 2 to 120, less than healthCheck.intervalSeconds (${hc.intervalSeconds})`,
  );
  check(
    isIntegerBetween(hc.deregistrationDelaySeconds, 0, 3600),
    'healthCheck.deregistrationDelaySeconds',
    hc.deregistrationDelaySeconds,
    'an integer from 0 to 3600',
  );
  check(
    isIntegerBetween(fleet.healthCheckGracePeriodSeconds, 60, 7200),
    'healthCheckGracePeriodSeconds',
    fleet.healthCheckGracePeriodSeconds,
    'an integer from 60 to 7200 seconds, long enough to cover boot',
  );
  check(
    isIntegerBetween(fleet.rootVolumeGiB, 8, 16_384),
    'rootVolumeGiB',
    fleet.rootVolumeGiB,
    'an integer from 8 to 16384',
  );
  check(
    isIntegerBetween(fleet.instanceRefreshMinHealthyPercent, 0, 100),
    'instanceRefreshMinHealthyPercent',
    fleet.instanceRefreshMinHealthyPercent,
    'an integer percentage from 0 to 100',
  );

  const lb = fleet.loadBalancer;
  check(
    typeof lb.deletionProtection === 'boolean',
    'loadBalancer.deletionProtection',
    lb.deletionProtection,
    'true or false',
  );
  check(
    isIntegerBetween(lb.idleTimeoutSeconds, 1, 4000),
    'loadBalancer.idleTimeoutSeconds',
    lb.idleTimeoutSeconds,
    'an integer from 1 to 4000',
  );
  check(
    isIntegerBetween(lb.clientKeepAliveSeconds, 60, 604_800),
    'loadBalancer.clientKeepAliveSeconds',
    lb.clientKeepAliveSeconds,
    'an integer from 60 to 604800 seconds',
  );
  check(
    isIntegerBetween(lb.accessLogRetentionDays, 1, 3650),
    'loadBalancer.accessLogRetentionDays',
    lb.accessLogRetentionDays,
    'an integer from 1 to 3650 days',
  );
  check(
    (LOG_RETENTION_DAYS as readonly number[]).includes(fleet.serviceLogRetentionDays),
    'serviceLogRetentionDays',
    fleet.serviceLogRetentionDays,
    `one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
  );
  check(
    (LOG_RETENTION_DAYS as readonly number[]).includes(fleet.serviceMetricsLogRetentionDays),
    'serviceMetricsLogRetentionDays',
    fleet.serviceMetricsLogRetentionDays,
    `one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
  );
  check(LOG_LEVELS.includes(fleet.logLevel), 'logLevel', fleet.logLevel, `one of ${LOG_LEVELS.join(', ')}`);
  return problems;
}

function isNumberBetween(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

function isIntegerBetween(value: unknown, min: number, max: number): value is number {
  return isNumberBetween(value, min, max) && Number.isInteger(value);
}
