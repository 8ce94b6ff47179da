import type { Principal, Tokens } from './auth';
import type { Breaker } from './breaker';
import type { FeedCache, StaleFeedStore } from './cache';
import type { Database } from './db/database';
import type { MediaStorage } from './media';
import type { Metrics } from './metrics';
import type { RateLimits } from './rate-limits';
import type { RedisClient } from './redis';
import type { OpenSearchIndex } from './search';
import type { WriteSwitch } from './write-switch';

/** Everything the routes use, built once by `createService` (or by a test). */
export interface ServiceContext {
  readonly db: Database;
  readonly cache: FeedCache;
  /** Breaker around Redis; absent with the in-memory cache. */
  readonly cacheBreaker?: Breaker;
  readonly redis?: RedisClient;
  readonly stale: StaleFeedStore;
  /** The OpenSearch index behind its breaker; absent when OPENSEARCH_ENDPOINT is unset (search reads PostgreSQL). */
  readonly search?: OpenSearchIndex;
  readonly limits: RateLimits;
  readonly tokens: Tokens;
  readonly media: MediaStorage;
  readonly writeSwitch: WriteSwitch;
  readonly metrics: Metrics;
  /** Each health check gives up after this long. */
  readonly healthTimeoutMs: number;
  /** File system whose usage the health check reports. */
  readonly diskPath: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, when the request carried a valid bearer token. */
    principal?: Principal;
    /** What the route's `readAhead` returned, once the caller's API rate-limit count let the request through. */
    readAhead?: unknown;
  }

  interface FastifyContextConfig {
    /**
     * A read that the route needs anyway, started in the same tick as the caller's API rate-limit count so that
     * ioredis' auto-pipelining sends the commands of both in one write to Redis (one round trip instead of two).
     * It runs for authenticated callers only and must change nothing: when the count refuses the request, the 429
     * is the answer and what was read is dropped unseen. Its result waits in `request.readAhead`; one that throws or
     * rejects is logged and leaves `request.readAhead` unset, so the handler reads for itself.
     *
     * @default - nothing is read before the count answers
     */
    readAhead?: (request: FastifyRequest, caller: Principal) => Promise<unknown>;
  }
}
