import type { ConfigProblem } from './errors';
import type { ProfileName } from './types';
import { LOG_RETENTION_DAYS } from './validate';

/** The global edge: CloudFront, WAF and the Route 53 failover of the API origin. */
export interface EdgeConfig {
  /** CloudFront price class: the edge locations the distribution serves from. */
  readonly priceClass: 'PriceClass_100' | 'PriceClass_200' | 'PriceClass_All';

  /** Caching of media (the default behaviour). Media keys are immutable, so objects live long. */
  readonly mediaCache: MediaCacheConfig;

  /** Days the CloudFront access logs are kept in their S3 bucket. */
  readonly accessLogRetentionDays: number;

  readonly waf: WafConfig;

  readonly originFailover: OriginFailoverConfig;

  readonly originVerify: OriginVerifyConfig;
}

/** TTL bounds of the media cache policy, in seconds; an origin `Cache-Control` header chooses within them. */
export interface MediaCacheConfig {
  /** TTL of a media object whose response carries no `Cache-Control` (S3 sends none by default). */
  readonly defaultTtlSeconds: number;

  /** Longest any media object stays cached. */
  readonly maxTtlSeconds: number;
}

/** The WAF web ACL in front of CloudFront. */
export interface WafConfig {
  /**
   * Requests one client IP may make in any 5-minute window before the rate-based rule blocks it
   * (WAF counts every path). Above the service's own per-user limits, so that it stops floods, not users.
   */
  readonly rateLimitPerFiveMinutes: number;

  /** Days the WAF log group keeps its records. */
  readonly logRetentionDays: number;

  /**
   * Whether WAF logs allowed requests too. Off in production, where it would log every request of
   * the service; blocked and counted requests are always logged.
   */
  readonly logAllowedRequests: boolean;

  /**
   * Requests WAF may block in 5 minutes before the edge warns (an attack, or a rule blocking real
   * users); the alarm feeds the edge's warning topic.
   */
  readonly blockedRequestsAlarmPerFiveMinutes: number;
}

/** The Route 53 failover pair of the API origin name (`PlatformNames.originDomainName`). */
export interface OriginFailoverConfig {
  /** Seconds between the checks of each Route 53 health checker: 10 (fast, billed extra) or 30. */
  readonly healthCheckIntervalSeconds: 10 | 30;

  /** Failed checks in a row before Route 53 considers the primary origin unhealthy (1 to 10). */
  readonly healthCheckFailureThreshold: number;

  /**
   * TTL of the failover records, in seconds: after a switch, resolvers (CloudFront among them)
   * follow it within this time. At most 300, the seed's 5 minutes.
   */
  readonly recordTtlSeconds: number;
}

/**
 * The secret header CloudFront adds to every request to the API origin, which each region's ALB
 * requires (`lib/origin-verify.ts`), so that nothing reaches the service around CloudFront and its
 * WAF. The value is a generated Secrets Manager secret (`PlatformNames.originVerifySecretName`).
 */
export interface OriginVerifyConfig {
  /** Name of the header, such as `X-Origin-Verify`. */
  readonly headerName: string;

  /**
   * Versions of the secret, by version id: CloudFront sends the first, the ALBs accept each.
   *
   * Empty (the profiles' value): CloudFront and the ALBs resolve the version labelled AWSCURRENT
   * when their stack deploys. A rotation sets `[new, previous]`, deploys every stack (the ALBs
   * accept both before CloudFront sends the new one), then `[new]` and deploys the regional stacks
   * again (README, "Rotating the origin secret"). A version id in the template is also what makes
   * CloudFormation resolve the reference again: it does not notice a new secret value by itself.
   */
  readonly versionIds: readonly string[];

  /**
   * Whether the ALBs refuse every request without the header (their listener's default action
   * answers 403). `false` only for the one deploy that brings the header into a running deployment:
   * the regional stacks deploy before the edge, so the ALBs would otherwise require the header
   * before CloudFront sends it. With `false` the rules exist and the default action still forwards.
   */
  readonly enforced: boolean;
}

/** The header CloudFront sends to the API origin and the ALBs check. */
export const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';

/** Secrets Manager version ids: what `put-secret-value --client-request-token` accepts. */
const SECRET_VERSION_ID = /^[A-Za-z0-9-]{32,64}$/;

/**
 * A header CloudFront may add as an origin custom header (it refuses `X-Amz-*`, `X-Edge-*`, `X-Real-Ip` and standard
 * headers) and an ALB header condition may name (at most 40 characters).
 */
const CUSTOM_HEADER_NAME = /^X-(?!Amz-|Edge-|Real-Ip$)[A-Za-z0-9-]{1,38}$/i;

/** The seed's upper bound of the DNS TTL during failover: 5 minutes. */
export const MAX_FAILOVER_TTL_SECONDS = 300;

const PRICE_CLASSES: readonly string[] = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'];

const DAY_SECONDS = 86_400;

/** Edge settings of each profile. */
export function edgeProfile(profile: ProfileName): EdgeConfig {
  if (profile === 'production') {
    return {
      priceClass: 'PriceClass_All',
      mediaCache: { defaultTtlSeconds: 30 * DAY_SECONDS, maxTtlSeconds: 365 * DAY_SECONDS },
      accessLogRetentionDays: 365,
      // 2,000 requests in 5 minutes is about 7 a second from one address, sustained: far above a
      // person, below a scraper. Carrier-grade NAT shares addresses, hence the margin.
      waf: {
        rateLimitPerFiveMinutes: 2000,
        logRetentionDays: 365,
        logAllowedRequests: false,
        blockedRequestsAlarmPerFiveMinutes: 5000,
      },
      // Detection in 3 x 10 s, then resolvers follow within 60 s: under 2 minutes of the 15-minute RTO.
      originFailover: { healthCheckIntervalSeconds: 10, healthCheckFailureThreshold: 3, recordTtlSeconds: 60 },
      originVerify: { headerName: ORIGIN_VERIFY_HEADER, versionIds: [], enforced: true },
    };
  }
  return {
    priceClass: 'PriceClass_100',
    mediaCache: { defaultTtlSeconds: DAY_SECONDS, maxTtlSeconds: 30 * DAY_SECONDS },
    accessLogRetentionDays: 30,
    waf: {
      rateLimitPerFiveMinutes: 1000,
      logRetentionDays: 30,
      logAllowedRequests: true,
      blockedRequestsAlarmPerFiveMinutes: 500,
    },
    originFailover: { healthCheckIntervalSeconds: 30, healthCheckFailureThreshold: 3, recordTtlSeconds: 60 },
    originVerify: { headerName: ORIGIN_VERIFY_HEADER, versionIds: [], enforced: true },
  };
}

/** Every problem of the edge settings, keyed as `edge.<field>`. */
export function validateEdge(edge: EdgeConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const check = (ok: boolean, field: string, value: unknown, allowed: string) => {
    if (!ok) problems.push({ key: `edge.${field}`, value, allowed });
  };

  check(PRICE_CLASSES.includes(edge.priceClass), 'priceClass', edge.priceClass, `one of ${PRICE_CLASSES.join(', ')}`);

  const cache = edge.mediaCache;
  check(
    isIntegerBetween(cache.maxTtlSeconds, 1, 365 * DAY_SECONDS),
    'mediaCache.maxTtlSeconds',
    cache.maxTtlSeconds,
    `an integer from 1 to ${365 * DAY_SECONDS} seconds (one year)`,
  );
  check(
    isIntegerBetween(cache.defaultTtlSeconds, 0, 365 * DAY_SECONDS) && !(cache.defaultTtlSeconds > cache.maxTtlSeconds),
    'mediaCache.defaultTtlSeconds',
    cache.defaultTtlSeconds,
    `an integer from 0 seconds to mediaCache.maxTtlSeconds (${cache.maxTtlSeconds})`,
  );
  check(
    isIntegerBetween(edge.accessLogRetentionDays, 1, 3650),
    'accessLogRetentionDays',
    edge.accessLogRetentionDays,
    'an integer from 1 to 3650 days',
  );

  const waf = edge.waf;
  check(
    isIntegerBetween(waf.rateLimitPerFiveMinutes, 100, 2_000_000_000),
    'waf.rateLimitPerFiveMinutes',
    waf.rateLimitPerFiveMinutes,
    'an integer from 100 to 2000000000 requests',
  );
  check(
    (LOG_RETENTION_DAYS as readonly number[]).includes(waf.logRetentionDays),
    'waf.logRetentionDays',
    waf.logRetentionDays,
    `one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
  );
  check(typeof waf.logAllowedRequests === 'boolean', 'waf.logAllowedRequests', waf.logAllowedRequests, 'true or false');
  check(
    isIntegerBetween(waf.blockedRequestsAlarmPerFiveMinutes, 1, 2_000_000_000),
    'waf.blockedRequestsAlarmPerFiveMinutes',
    waf.blockedRequestsAlarmPerFiveMinutes,
    'an integer from 1 to 2000000000 requests',
  );

  const failover = edge.originFailover;
  check(
    failover.healthCheckIntervalSeconds === 10 || failover.healthCheckIntervalSeconds === 30,
    'originFailover.healthCheckIntervalSeconds',
    failover.healthCheckIntervalSeconds,
    '10 or 30 (the intervals Route 53 offers)',
  );
  check(
    isIntegerBetween(failover.healthCheckFailureThreshold, 1, 10),
    'originFailover.healthCheckFailureThreshold',
    failover.healthCheckFailureThreshold,
    'an integer from 1 to 10',
  );
  check(
    isIntegerBetween(failover.recordTtlSeconds, 1, MAX_FAILOVER_TTL_SECONDS),
    'originFailover.recordTtlSeconds',
    failover.recordTtlSeconds,
    `an integer from 1 to ${MAX_FAILOVER_TTL_SECONDS} seconds (the seed's 5-minute TTL is the upper bound)`,
  );

  const verify = edge.originVerify;
  check(
    typeof verify.headerName === 'string' && CUSTOM_HEADER_NAME.test(verify.headerName),
    'originVerify.headerName',
    verify.headerName,
    'a header name starting with X- (letters, digits and hyphens, at most 40 characters, the ALB limit), ' +
      'not X-Amz-*, X-Edge-* or X-Real-Ip (CloudFront refuses them)',
  );
  const ids = verify.versionIds;
  check(
    Array.isArray(ids) &&
      ids.length <= 2 &&
      ids.every((id) => typeof id === 'string' && SECRET_VERSION_ID.test(id)) &&
      new Set(ids).size === ids.length,
    'originVerify.versionIds',
    ids,
    'an array of at most 2 distinct Secrets Manager version ids (32 to 64 letters, digits and hyphens): ' +
      '[] for the current version, [new, previous] during a rotation, [new] after it',
  );
  check(typeof verify.enforced === 'boolean', 'originVerify.enforced', verify.enforced, 'true or false');
  return problems;
}

function isIntegerBetween(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
