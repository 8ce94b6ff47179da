import { ConfigError, type ConfigProblem } from './config/errors';
import type { PlatformConfig } from './config/types';
import { RUNBOOK_DEFAULTS } from './runbook-defaults';

/**
 * The inputs of the RTO budget. `rtoBudget` takes Route 53's health check and the record TTL from
 * the edge config (`edge.originFailover`), the fleet's warm-up and target registration from the
 * standby fleet config, and the rest (the runbook's bounds, on-call's response) from
 * `RUNBOOK_DEFAULTS`; any of them can be overridden to ask "what if".
 */
export interface RtoBudgetParameters {
  /** Seconds between two Route 53 checks of the primary: 10 or 30. @default 30 */
  readonly healthCheckIntervalSeconds: number;
  /** Failed checks in a row before Route 53 counts the primary unhealthy (1 to 10). @default 3 */
  readonly healthCheckFailureThreshold: number;
  /** Seconds for on-call to be paged and start the runbook. @default 120 */
  readonly onCallResponseSeconds: number;
  /** The runbook's own seconds outside its waits (preflight, fence, scale calls, transitions). @default 60 */
  readonly runbookOverheadSeconds: number;
  /** The promotion's bound: longer fails the runbook. @default 420 */
  readonly promotionTimeoutSeconds: number;
  /** Wait between two checks of the promotion (the last one can add up to this). @default 30 */
  readonly promotionPollSeconds: number;
  /** TTL of the failover name: resolvers (CloudFront) keep the old answer this long. @default 60 */
  readonly dnsTtlSeconds: number;
  /** The service reads its write switch this often. @default 10 */
  readonly writeSwitchPollSeconds: number;
  /** Wait between two verifications (the last one can add up to this). @default 15 */
  readonly verifyPollSeconds: number;
  /** The objective. @default 900 (15 minutes) */
  readonly objectiveSeconds: number;
}

/** One term of the budget. */
export interface RtoTerm {
  readonly name: string;
  readonly seconds: number;
  readonly how: string;
}

export interface RtoBudget {
  readonly terms: readonly RtoTerm[];
  readonly totalSeconds: number;
  readonly objectiveSeconds: number;
  readonly withinObjective: boolean;
}

export const RTO_BUDGET_DEFAULTS: RtoBudgetParameters = {
  healthCheckIntervalSeconds: RUNBOOK_DEFAULTS.healthCheckIntervalSeconds,
  healthCheckFailureThreshold: RUNBOOK_DEFAULTS.healthCheckFailureThreshold,
  onCallResponseSeconds: RUNBOOK_DEFAULTS.onCallResponseSeconds,
  runbookOverheadSeconds: RUNBOOK_DEFAULTS.runbookOverheadSeconds,
  promotionTimeoutSeconds: RUNBOOK_DEFAULTS.promotionTimeoutSeconds,
  promotionPollSeconds: RUNBOOK_DEFAULTS.promotionPollSeconds,
  dnsTtlSeconds: RUNBOOK_DEFAULTS.dnsTtlSeconds,
  writeSwitchPollSeconds: RUNBOOK_DEFAULTS.writeSwitchPollSeconds,
  verifyPollSeconds: RUNBOOK_DEFAULTS.verifyPollSeconds,
  objectiveSeconds: RUNBOOK_DEFAULTS.rtoObjectiveSeconds,
};

/**
 * The worst-case time from the primary failing to the standby serving reads and writes at
 * production capacity, when every step stays within its bound:
 *
 *   detection (interval × failure threshold) + on-call response + runbook overhead
 *   + max(promotion bound + one poll, fleet warm-up + target registration)
 *   + DNS TTL + write-switch poll + one verify poll
 *
 * The promotion and the scale-out overlap because the runbook scales the fleet before it promotes
 * (instances boot while the database promotes). The TTL is counted after the switch, the
 * conservative case: with the endpoint check already failed, Route 53 moved the name at detection.
 * Warm-up is the standby fleet's `healthCheckGracePeriodSeconds`; registration is its ALB health
 * check `intervalSeconds × healthyThreshold`.
 */
export function rtoBudget(config: PlatformConfig, overrides: Partial<RtoBudgetParameters> = {}): RtoBudget {
  const origin = config.edge.originFailover;
  const p = {
    ...RTO_BUDGET_DEFAULTS,
    // Detection and the TTL are the edge tier's: the primary's health check and the failover record.
    healthCheckIntervalSeconds: origin.healthCheckIntervalSeconds,
    healthCheckFailureThreshold: origin.healthCheckFailureThreshold,
    dnsTtlSeconds: origin.recordTtlSeconds,
    ...overrides,
  };
  validate(p);
  const fleet = config.standby.fleet;
  const registration = fleet.healthCheck.intervalSeconds * fleet.healthCheck.healthyThreshold;
  const promotion = p.promotionTimeoutSeconds + p.promotionPollSeconds;
  const scaleOut = fleet.healthCheckGracePeriodSeconds + registration;

  const terms: RtoTerm[] = [
    {
      name: 'detection',
      seconds: p.healthCheckIntervalSeconds * p.healthCheckFailureThreshold,
      how: `Route 53 checks every ${p.healthCheckIntervalSeconds} s, unhealthy after ${p.healthCheckFailureThreshold} failures`,
    },
    { name: 'on-call response', seconds: p.onCallResponseSeconds, how: 'paged, looks, starts the runbook' },
    {
      name: 'runbook overhead',
      seconds: p.runbookOverheadSeconds,
      how: 'preflight, fence, scale calls and transitions',
    },
    {
      name: 'promotion or scale-out, whichever is longer',
      seconds: Math.max(promotion, scaleOut),
      how: `promotion bound ${p.promotionTimeoutSeconds} s + poll ${p.promotionPollSeconds} s = ${promotion} s; warm-up ${fleet.healthCheckGracePeriodSeconds} s + registration ${registration} s = ${scaleOut} s`,
    },
    { name: 'DNS TTL', seconds: p.dnsTtlSeconds, how: 'resolvers drop the old answer' },
    { name: 'write switch', seconds: p.writeSwitchPollSeconds, how: 'the service reads the switch again' },
    { name: 'verification', seconds: p.verifyPollSeconds, how: 'one verify poll' },
  ];
  const totalSeconds = terms.reduce((sum, t) => sum + t.seconds, 0);
  return {
    terms,
    totalSeconds,
    objectiveSeconds: p.objectiveSeconds,
    withinObjective: totalSeconds <= p.objectiveSeconds,
  };
}

/** The budget as text, one term a line. */
export function formatRtoBudget(budget: RtoBudget): string {
  const lines = budget.terms.map((t) => `  ${t.name.padEnd(44)} ${String(t.seconds).padStart(5)} s  (${t.how})`);
  return [
    ...lines,
    `  ${'total'.padEnd(44)} ${String(budget.totalSeconds).padStart(5)} s  (objective ${budget.objectiveSeconds} s: ${budget.withinObjective ? 'within' : 'OVER'})`,
  ].join('\n');
}

function validate(p: RtoBudgetParameters): void {
  const problems: ConfigProblem[] = [];
  const check = (ok: boolean, key: keyof RtoBudgetParameters, allowed: string) => {
    if (!ok) problems.push({ key: `rtoBudget.${key}`, value: p[key], allowed });
  };
  const wholeSeconds = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;

  check(
    [10, 30].includes(p.healthCheckIntervalSeconds),
    'healthCheckIntervalSeconds',
    '10 or 30 (the Route 53 intervals)',
  );
  check(
    Number.isInteger(p.healthCheckFailureThreshold) &&
      p.healthCheckFailureThreshold >= 1 &&
      p.healthCheckFailureThreshold <= 10,
    'healthCheckFailureThreshold',
    'an integer from 1 to 10',
  );
  for (const key of [
    'onCallResponseSeconds',
    'runbookOverheadSeconds',
    'promotionPollSeconds',
    'writeSwitchPollSeconds',
    'verifyPollSeconds',
  ] as const) {
    check(wholeSeconds(p[key], 3_600), key, 'a whole number of seconds from 0 to 3600');
  }
  check(
    wholeSeconds(p.promotionTimeoutSeconds, 7_200) && p.promotionTimeoutSeconds >= 60,
    'promotionTimeoutSeconds',
    'a whole number of seconds from 60 to 7200',
  );
  check(wholeSeconds(p.dnsTtlSeconds, 172_800), 'dnsTtlSeconds', 'a whole number of seconds from 0 to 172800');
  check(
    wholeSeconds(p.objectiveSeconds, 86_400) && p.objectiveSeconds > 0,
    'objectiveSeconds',
    'a whole number of seconds from 1 to 86400',
  );
  if (problems.length > 0) throw new ConfigError(problems);
}
