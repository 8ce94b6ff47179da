import type { ConnectionOptions } from 'node:tls';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { withTimeout } from './db/database';

/**
 * The service's Redis client: one node, or a Redis Cluster (ElastiCache with cluster mode enabled). The cache
 * and the rate limits use only commands that touch one key each, so every command routes to one slot in both.
 */
export type RedisClient = Redis | Cluster;

/** How to reach Redis. */
export interface RedisConnectionProps {
  /** `redis://` or `rediss://` (TLS) URL; in cluster mode, the configuration endpoint. */
  readonly url: string;
  /** Whether the URL is the seed of a Redis Cluster whose slots the client discovers. */
  readonly cluster: boolean;
  /** AUTH token. @default - the URL's password, or none */
  readonly password?: string;
  /**
   * Extra TLS settings for `rediss://` URLs (tests pass the CA of their own certificate).
   *
   * @default - Node's CA store, which trusts the certificates ElastiCache serves
   */
  readonly tls?: ConnectionOptions;
  readonly logger: Logger;
}

const CONNECTION: Pick<RedisOptions, 'maxRetriesPerRequest' | 'connectTimeout'> = {
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
};
const retryDelayMs = (attempt: number) => Math.min(attempt * 200, 2_000);

/** Builds the client; it connects in the background (see {@link connectRedis} to wait for it). */
export function createRedisClient(props: RedisConnectionProps): RedisClient {
  const url = new URL(props.url);
  const tls = url.protocol === 'rediss:' ? { ...props.tls } : undefined;
  if (!props.cluster) {
    return new Redis(props.url, {
      ...CONNECTION,
      ...(props.password ? { password: props.password } : {}),
      ...(tls ? { tls } : {}),
      // Commands fail at once while disconnected instead of queueing: callers fall back (database, insurance
      // limiter). Commands issued in the same tick (rate limit and cache reads of concurrent requests) share a write.
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      retryStrategy: retryDelayMs,
    });
  }

  const options: ClusterOptions = {
    // ElastiCache answers CLUSTER SLOTS with node host names; connecting by name (not by a resolved address) lets
    // TLS check each node's certificate against the name it was issued for.
    dnsLookup: (address, callback) => callback(null, address),
    // As for one node; auto-pipelining groups the commands of one tick by the node that serves their slot.
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    clusterRetryStrategy: retryDelayMs,
    // While a shard is lost the cluster answers CLUSTERDOWN: fail at once (the breaker and the insurance limiter
    // take over) instead of the default 16 retries 100 ms apart that would hold every request for 1.6 s. A closed
    // node connection is retried at most twice, 100 ms apart, against the refreshed slot map.
    retryDelayOnClusterDown: 0,
    retryDelayOnFailover: 100,
    maxRedirections: 3,
    // The slot map is refreshed on MOVED and on lost connections, and every 5 s so that a failover (a replica
    // promoted in place of a master) is picked up even when no command failed in a way that triggers a refresh.
    slotsRefreshInterval: 5_000,
    slotsRefreshTimeout: 2_000,
    redisOptions: {
      ...CONNECTION,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(props.password || url.password ? { password: props.password ?? decodeURIComponent(url.password) } : {}),
      ...(tls ? { tls } : {}),
    },
  };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Cluster([{ host, port: Number(url.port || 6379) }], options);
}

/** Creates the client and waits up to 3 s for it; a Redis that is down at start only degrades the service. */
export async function connectRedis(props: RedisConnectionProps): Promise<RedisClient> {
  const { logger } = props;
  const redis = createRedisClient(props);
  let lastError = '';
  const onError = (err: Error) => {
    // Reconnection attempts repeat the same error; log each distinct one once.
    if (err.message !== lastError) logger.warn({ err }, 'redis connection error');
    lastError = err.message;
  };
  redis.on('error', onError);
  if (redis instanceof Cluster) redis.on('node error', onError);
  redis.on('ready', () => {
    lastError = '';
    logger.info({ cluster: props.cluster }, 'redis ready');
  });
  await withTimeout(new Promise<void>((resolve) => redis.once('ready', () => resolve())), 3_000, 'redis connect').catch(
    (err) => logger.warn({ err }, 'redis not ready at start; running degraded until it is'),
  );
  return redis;
}

/**
 * Health probe bounded by `timeoutMs`. A cluster passes when no master is marked failing or unreachable in the
 * cluster's own view (`CLUSTER NODES`) and each master this client is connected to answers; one lost shard fails it.
 */
export async function pingRedis(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (!(redis instanceof Cluster)) {
    await withTimeout(redis.ping(), timeoutMs, 'redis ping');
    return;
  }
  const masters = redis.nodes('master');
  if (masters.length === 0) throw new Error('no Redis Cluster master is known');
  const clusterView = async () => {
    const failing = unhealthyMasters(String(await redis.cluster('NODES')));
    if (failing.length > 0) throw new Error(`Redis Cluster masters failing: ${failing.join(', ')}`);
  };
  await withTimeout(Promise.all([clusterView(), ...masters.map((node) => node.ping())]), timeoutMs, 'redis ping');
}

/**
 * The addresses of the masters that `CLUSTER NODES` shows as failing (`fail`, `fail?`) or with the cluster bus
 * link down. Each line is `id address flags master ping-sent pong-received epoch link-state slots...`.
 */
export function unhealthyMasters(clusterNodes: string): string[] {
  return clusterNodes
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter(([, , flags = '']) => flags.split(',').includes('master'))
    .filter(([, , flags = '', , , , , link]) => /(^|,)fail\??(,|$)/.test(flags) || link !== 'connected')
    .map(([, address]) => address.split('@')[0]);
}
