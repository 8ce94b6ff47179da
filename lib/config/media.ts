import type { ConfigProblem } from './errors';
import type { ProfileName } from './types';

/**
 * The media bucket (us-east-1) and its replica (us-west-2). Both buckets carry the same lifecycle,
 * so that the replica ages like the source: S3 replicates objects and delete markers, never
 * lifecycle transitions.
 */
export interface MediaConfig {
  /**
   * Days after upload before the current version of a media object moves to S3 Glacier Instant
   * Retrieval (the seed: 90). Instant Retrieval, not Flexible Retrieval: CloudFront serves every
   * photo, however old, and a Flexible Retrieval object answers GET with 403 until restored.
   */
  readonly glacierTransitionDays: number;

  /**
   * Days after a version becomes noncurrent (overwritten or deleted) before it moves to S3 Glacier
   * Flexible Retrieval; nothing serves noncurrent versions, only a recovery reads them.
   */
  readonly noncurrentGlacierTransitionDays: number;

  /**
   * Days after a version becomes noncurrent before it is deleted for good; after the transition.
   * Glacier Flexible Retrieval bills at least 90 days per object, so less than 90 days after the
   * transition saves nothing.
   */
  readonly noncurrentExpirationDays: number;

  /** Days after which S3 aborts a multipart upload that was never completed, and drops its parts. */
  readonly abortIncompleteMultipartUploadDays: number;

  /** Days the S3 server access logs of each media bucket are kept. */
  readonly accessLogRetentionDays: number;

  /** The replication of the media bucket to the standby region, and its alarms. */
  readonly replication: MediaReplicationConfig;
}

/** Alarms on the S3 Replication Time Control metrics of the media bucket. */
export interface MediaReplicationConfig {
  /**
   * `ReplicationLatency` (the slowest object of a 5-minute period, in seconds) above which the
   * latency alarm fires. Replication Time Control replicates 99.99 % of objects within 900 s.
   */
  readonly latencyAlarmSeconds: number;

  /** `OperationsFailedReplication` in a 5-minute period at or above which the failure alarm fires. */
  readonly failedOperationsAlarmThreshold: number;
}

/** Media settings of each profile. */
export function mediaProfile(profile: ProfileName): MediaConfig {
  const production = profile === 'production';
  return {
    glacierTransitionDays: 90,
    noncurrentGlacierTransitionDays: 30,
    noncurrentExpirationDays: production ? 365 : 120,
    // A multipart upload left behind by a client that gave up; a week covers any retry.
    abortIncompleteMultipartUploadDays: production ? 7 : 1,
    accessLogRetentionDays: production ? 365 : 30,
    replication: {
      latencyAlarmSeconds: 900,
      failedOperationsAlarmThreshold: 1,
    },
  };
}

/** The longest lifecycle period this config accepts: 100 years. */
const MAX_DAYS = 36_500;

/** Every problem of the media settings, keyed as `media.<field>`. */
export function validateMedia(media: MediaConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const check = (ok: boolean, field: string, value: unknown, allowed: string) => {
    if (!ok) problems.push({ key: `media.${field}`, value, allowed });
  };

  check(
    isIntegerBetween(media.glacierTransitionDays, 0, MAX_DAYS),
    'glacierTransitionDays',
    media.glacierTransitionDays,
    `an integer from 0 to ${MAX_DAYS} days`,
  );
  check(
    isIntegerBetween(media.noncurrentGlacierTransitionDays, 1, MAX_DAYS),
    'noncurrentGlacierTransitionDays',
    media.noncurrentGlacierTransitionDays,
    `an integer from 1 to ${MAX_DAYS} days`,
  );
  check(
    isIntegerBetween(media.noncurrentExpirationDays, 1, MAX_DAYS) &&
      !(media.noncurrentExpirationDays <= media.noncurrentGlacierTransitionDays),
    'noncurrentExpirationDays',
    media.noncurrentExpirationDays,
    `an integer up to ${MAX_DAYS} days, more than noncurrentGlacierTransitionDays (${media.noncurrentGlacierTransitionDays}): S3 expires a version only after its transition`,
  );
  check(
    isIntegerBetween(media.abortIncompleteMultipartUploadDays, 1, 365),
    'abortIncompleteMultipartUploadDays',
    media.abortIncompleteMultipartUploadDays,
    'an integer from 1 to 365 days',
  );
  check(
    isIntegerBetween(media.accessLogRetentionDays, 1, 3650),
    'accessLogRetentionDays',
    media.accessLogRetentionDays,
    'an integer from 1 to 3650 days',
  );

  const replication = media.replication;
  check(
    isIntegerBetween(replication.latencyAlarmSeconds, 60, 86_400),
    'replication.latencyAlarmSeconds',
    replication.latencyAlarmSeconds,
    'an integer from 60 to 86400 seconds (Replication Time Control targets 900)',
  );
  check(
    isIntegerBetween(replication.failedOperationsAlarmThreshold, 1, 1_000_000),
    'replication.failedOperationsAlarmThreshold',
    replication.failedOperationsAlarmThreshold,
    'a positive whole number of failed operations',
  );
  return problems;
}

function isIntegerBetween(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
