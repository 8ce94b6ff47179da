import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import pino, { type Logger } from 'pino';
import { type App, buildApp } from './app';
import { Tokens } from './auth';
import { Breaker, type BreakerTuning, DEFAULT_BREAKER } from './breaker';
import { type FeedCache, MemoryFeedCache, RedisFeedCache, StaleFeedStore } from './cache';
import type { AppConfig } from './config';
import type { ServiceContext } from './context';
import { Database } from './db/database';
import { runMigrations } from './db/migrations';
import { KafkaPublisher } from './kafka';
import { LocalMediaStorage, type MediaStorage, S3MediaStorage } from './media';
import { Metrics } from './metrics';
import type { EventPublisher } from './outbox';
import { KAFKA_STREAM, OutboxRelay } from './outbox';
import { OutboxRetention } from './outbox-retention';
import { RateLimits } from './rate-limits';
import { connectRedis, type RedisClient } from './redis';
import { OpenSearchIndex } from './search';
import { SEARCH_STREAM, SearchIndexer } from './search-indexer';
import { resolveSecrets } from './secrets';
import { WriteSwitch } from './write-switch';

/** Knobs that are not part of the environment contract; tests and the bench shorten them. */
export interface ServiceTuning {
  /** Breaker of each PostgreSQL pool. @default DEFAULT_BREAKER */
  readonly dbBreaker: BreakerTuning;
  /** Breaker around Redis; its timeout is short because a slow cache is worse than none. */
  readonly redisBreaker: BreakerTuning;
  readonly feedCacheTtlSeconds: number;
  readonly healthTimeoutMs: number;
  readonly writeSwitchPollMs: number;
  /** Statement timeout on every database session. */
  readonly statementTimeoutMs: number;
  readonly diskPath: string;
  /** Where local uploads go when no bucket is configured. */
  readonly localMediaDir: string;
  /** Publisher of outbox events. @default - Kafka when KAFKA_BROKERS is set; otherwise no relay runs */
  readonly eventPublisher?: EventPublisher;
  readonly outboxPollMs: number;
  /** Time between sweeps of the outbox retention. */
  readonly outboxRetentionIntervalMs: number;
  /** Logger to use. @default - JSON logs to stdout at the configured level */
  readonly logger?: Logger;
  /** Extra TLS settings for a `rediss://` REDIS_URL. @default - Node's CA store (trusts ElastiCache) */
  readonly redisTls?: ConnectionOptions;
  /** Breaker around OpenSearch (searches and indexing); when open, search reads PostgreSQL at once. */
  readonly opensearchBreaker: BreakerTuning;
  /** A search slower than this is abandoned for the PostgreSQL search. */
  readonly searchTimeoutMs: number;
  /** Extra TLS settings for OPENSEARCH_ENDPOINT. @default - Node's CA store (trusts the AWS domain) */
  readonly opensearchTls?: ConnectionOptions;
}

export const DEFAULT_TUNING: ServiceTuning = {
  dbBreaker: DEFAULT_BREAKER,
  redisBreaker: { timeoutMs: 250, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 5_000 },
  feedCacheTtlSeconds: 60,
  healthTimeoutMs: 1_000,
  writeSwitchPollMs: 10_000,
  statementTimeoutMs: 5_000,
  diskPath: '/',
  localMediaDir: join(tmpdir(), 'photo-platform-media'),
  outboxPollMs: 1_000,
  outboxRetentionIntervalMs: 600_000,
  opensearchBreaker: { timeoutMs: 5_000, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 10_000 },
  searchTimeoutMs: 1_000,
};

/** A started service: its app (not listening yet), its parts and how to stop it. */
export interface Service {
  readonly app: App;
  readonly context: ServiceContext;
  readonly logger: Logger;
  /** Stops accepting requests, lets in-flight ones finish, then closes the relays, OpenSearch, pools and Redis. */
  close(): Promise<void>;
}

/** Builds every part from the validated config: secrets, pools, migrations, cache, limits, app. */
export async function createService(config: AppConfig, tuningOverrides: Partial<ServiceTuning> = {}): Promise<Service> {
  const tuning: ServiceTuning = { ...DEFAULT_TUNING, ...tuningOverrides };
  const logger =
    tuning.logger ??
    pino({
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      base: { service: 'photo-api' },
    });
  const metrics = new Metrics();
  const secrets = await resolveSecrets(config);

  const ssl: pg.PoolConfig['ssl'] =
    config.db.ssl === 'verify-full'
      ? { rejectUnauthorized: true, ...(config.db.caFile ? { ca: readFileSync(config.db.caFile, 'utf8') } : {}) }
      : false;
  const poolConfig = (host: string): pg.PoolConfig => ({
    host,
    port: config.db.port,
    database: config.db.name,
    user: secrets.dbUser,
    password: secrets.dbPassword,
    ssl,
    max: config.db.poolMax,
    statement_timeout: tuning.statementTimeoutMs,
    application_name: 'photo-api',
  });
  const db = new Database({
    writer: poolConfig(config.db.host),
    reader: config.db.readHost ? poolConfig(config.db.readHost) : undefined,
    breaker: tuning.dbBreaker,
    metrics,
    logger,
  });

  let redis: RedisClient | undefined;
  try {
    const client = await db.writer.connect();
    try {
      await runMigrations(client, logger);
    } finally {
      client.release();
    }
    redis = config.redisUrl
      ? await connectRedis({
          url: config.redisUrl,
          cluster: config.redisCluster,
          password: secrets.redisPassword,
          tls: tuning.redisTls,
          logger,
        })
      : undefined;
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }

  let cache: FeedCache;
  let cacheBreaker: Breaker | undefined;
  if (redis) {
    cacheBreaker = new Breaker('redis', tuning.redisBreaker, metrics, undefined, (name, state) =>
      logger.warn({ breaker: name, state }, 'breaker state'),
    );
    cache = new RedisFeedCache(redis, cacheBreaker, tuning.feedCacheTtlSeconds);
  } else {
    cache = new MemoryFeedCache(tuning.feedCacheTtlSeconds);
  }
  const media: MediaStorage =
    config.mediaBucket && config.awsRegion
      ? new S3MediaStorage(config.mediaBucket, config.awsRegion)
      : new LocalMediaStorage(tuning.localMediaDir);
  const writeSwitch = new WriteSwitch(
    config.writesEnabled,
    logger,
    config.writeSwitchParameter && config.awsRegion
      ? {
          name: config.writeSwitchParameter,
          ssm: WriteSwitch.forRegion(config.awsRegion),
          pollMs: tuning.writeSwitchPollMs,
        }
      : undefined,
  );
  await writeSwitch.start();
  const onBreakerState = (name: string, state: string) => logger.warn({ breaker: name, state }, 'breaker state');
  const search =
    config.opensearchEndpoint && config.awsRegion
      ? OpenSearchIndex.create({
          endpoint: config.opensearchEndpoint,
          region: config.awsRegion,
          breaker: new Breaker('opensearch', tuning.opensearchBreaker, metrics, undefined, onBreakerState),
          searchTimeoutMs: tuning.searchTimeoutMs,
          tls: tuning.opensearchTls,
        })
      : undefined;

  const context: ServiceContext = {
    db,
    cache,
    cacheBreaker,
    redis,
    stale: new StaleFeedStore(),
    search,
    limits: new RateLimits(redis),
    tokens: new Tokens(secrets.jwtSecret),
    media,
    writeSwitch,
    metrics,
    healthTimeoutMs: tuning.healthTimeoutMs,
    diskPath: tuning.diskPath,
  };
  const app = await buildApp(context, {
    logger,
    https: config.tls ? { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } : undefined,
  });

  const publisher =
    tuning.eventPublisher ??
    (config.kafkaBrokers.length > 0 ? KafkaPublisher.create(config.kafkaBrokers, config.awsRegion) : undefined);
  const active = () => writeSwitch.writesEnabled;
  const relays = [
    ...(publisher ? [new OutboxRelay({ db, publisher, logger, pollMs: tuning.outboxPollMs, active })] : []),
    ...(search
      ? [
          new OutboxRelay({
            db,
            publisher: new SearchIndexer(db, search, logger),
            logger,
            stream: SEARCH_STREAM,
            pollMs: tuning.outboxPollMs,
            active,
          }),
        ]
      : []),
  ];
  for (const relay of relays) relay.start();
  const retention = new OutboxRetention({
    db,
    logger,
    streams: [...(publisher ? [KAFKA_STREAM] : []), ...(search ? [SEARCH_STREAM] : [])],
    retentionHours: config.outboxRetentionHours,
    intervalMs: tuning.outboxRetentionIntervalMs,
    active,
  });
  retention.start();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      writeSwitch.stop();
      await app.close();
      await Promise.all([
        ...relays.map((relay) => relay.stop().catch((err) => logger.warn({ err }, 'outbox relay stop failed'))),
        retention.stop(),
      ]);
      await search?.close().catch((err) => logger.warn({ err }, 'opensearch client close failed'));
      cacheBreaker?.shutdown();
      redis?.disconnect();
      await db.close();
    })();
    return closing;
  };
  return { app, context, logger, close };
}
