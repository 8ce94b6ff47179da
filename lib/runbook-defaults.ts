import type { PlatformConfig } from './config/types';
import type { FleetCapacity } from './runbook-steps';

/**
 * The failover runbook's settings that no tier's config holds yet. The construct's props, the RTO
 * budget and the drill take their defaults from here, so the three agree.
 */
export const RUNBOOK_DEFAULTS = {
  /** Route 53 checks the primary origin every 30 s (the standard interval; 10 s is the fast one). */
  healthCheckIntervalSeconds: 30,
  /** Failed checks in a row before Route 53 counts the primary unhealthy. */
  healthCheckFailureThreshold: 3,
  /** TTL of the failover CNAME `origin.<domain>` (`edge.originFailover.recordTtlSeconds` in production). */
  dnsTtlSeconds: 60,
  /** The promoted instance keeps automated backups this long (the seed's 30 days of snapshots). */
  backupRetentionDays: 30,
  /** Replica lag the promotion accepts without an explicit override: the RPO budget. */
  maxReplicaLagSeconds: 60,
  /** A promotion still running after this long fails the runbook (and pages). */
  promotionTimeoutSeconds: 420,
  /** Wait between two checks of the promotion. */
  promotionPollSeconds: 30,
  /** Verification (healthy through the public name, fleet at capacity) may take this long. */
  verifyTimeoutSeconds: 600,
  /** Wait between two verifications. */
  verifyPollSeconds: 15,
  /** Each GET /health gives up after this long. */
  healthRequestTimeoutMs: 5_000,
  /** Time for on-call to be paged, look and start the runbook. */
  onCallResponseSeconds: 120,
  /** The runbook's own time outside the waits: Lambda invocations, state transitions, retries. */
  runbookOverheadSeconds: 60,
  /** The service reads its write switch this often. */
  writeSwitchPollSeconds: 10,
  /** The seed's recovery time objective: 15 minutes. */
  rtoObjectiveSeconds: 900,
  /** The whole execution stops after this long, whatever it waits for. */
  executionTimeoutMinutes: 60,
} as const;

/**
 * The standby fleet's size after failover: the primary's floor and initial size, and the larger of
 * the two regions' ceilings. Production: min 50, desired 100, max 500.
 */
export function productionCapacity(config: PlatformConfig): FleetCapacity {
  const primary = config.primary.fleet;
  return {
    min: primary.minCapacity,
    desired: primary.desiredCapacityAtCreation ?? primary.minCapacity,
    max: Math.max(primary.maxCapacity, config.standby.fleet.maxCapacity),
  };
}
