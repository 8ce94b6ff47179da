import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from './errors';
import type { RedisClient } from './redis';

/** The seed's limits per user and action. */
export const RATE_LIMITS = {
  login: { points: 5, durationSeconds: 15 * 60 },
  post: { points: 10, durationSeconds: 3600 },
  follow: { points: 60, durationSeconds: 3600 },
  like: { points: 350, durationSeconds: 3600 },
  comment: { points: 60, durationSeconds: 3600 },
  api: { points: 5000, durationSeconds: 3600 },
} as const;

export type RateLimitedAction = keyof typeof RATE_LIMITS;

/** The state of one limit after a request was counted, for the `RateLimit-*` headers. */
export interface RateLimitState {
  readonly limit: number;
  readonly remaining: number;
  readonly resetSeconds: number;
}

/**
 * Per-user, per-action rate limits. Counted in Redis so that they hold across the fleet; each Redis limiter has
 * an in-memory insurance limiter with the same limit, so when Redis is down the limits still hold per process.
 * Each count is one key (`rl:<action>:<key>`) updated by one script, so it works unchanged on a Redis Cluster.
 */
export class RateLimits {
  private readonly limiters: Record<RateLimitedAction, RateLimiterAbstract>;

  constructor(redis: RedisClient | undefined) {
    const build = (action: RateLimitedAction): RateLimiterAbstract => {
      const { points, durationSeconds } = RATE_LIMITS[action];
      const memory = new RateLimiterMemory({ keyPrefix: `rl:${action}`, points, duration: durationSeconds });
      if (!redis) return memory;
      return new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `rl:${action}`,
        points,
        duration: durationSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      });
    };
    this.limiters = {
      login: build('login'),
      post: build('post'),
      follow: build('follow'),
      like: build('like'),
      comment: build('comment'),
      api: build('api'),
    };
  }

  /** Counts one request of `key` (a user id, or a username for logins); throws RATE_LIMITED when over the limit. */
  async consume(action: RateLimitedAction, key: string): Promise<RateLimitState> {
    const limit = RATE_LIMITS[action].points;
    try {
      const res = await this.limiters[action].consume(key);
      return { limit, remaining: res.remainingPoints, resetSeconds: Math.ceil(res.msBeforeNext / 1000) };
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfter = String(Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
      throw new AppError('RATE_LIMITED', `too many ${action} requests; retry in ${retryAfter} s`, undefined, {
        'retry-after': retryAfter,
        'ratelimit-limit': String(limit),
        'ratelimit-remaining': '0',
        'ratelimit-reset': retryAfter,
      });
    }
  }
}
