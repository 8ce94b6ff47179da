import type { Breaker } from './breaker';
import { pingRedis, type RedisClient } from './redis';

/**
 * A rendered feed page: JSON text, or its UTF-8 bytes as Redis returns them (sent as they are, never decoded:
 * decoding a 4 KB page to a string and encoding it again for the socket cost about 2 us per cached read).
 */
export type FeedPageBody = string | Buffer;

/**
 * Where rendered feed pages are cached (cache-aside). A user's pages live under one key so that a write that
 * changes the user's feed drops them all at once.
 */
export interface FeedCache {
  readonly kind: 'redis' | 'memory';
  get(userId: string, page: string): Promise<FeedPageBody | undefined>;
  set(userId: string, page: string, body: string): Promise<void>;
  invalidate(userIds: readonly string[]): Promise<void>;
  /** Health probe bounded by `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>;
}

/**
 * Feed cache in Redis: one hash per user (`feed:<id>`, field = page), behind the Redis circuit breaker. Every
 * command touches one key, so in cluster mode each goes to the shard of its slot and users spread over shards.
 */
export class RedisFeedCache implements FeedCache {
  readonly kind = 'redis';

  constructor(
    private readonly redis: RedisClient,
    private readonly breaker: Breaker,
    private readonly ttlSeconds: number,
  ) {}

  async get(userId: string, page: string): Promise<Buffer | undefined> {
    const value = await this.breaker.fire(() => this.redis.hgetBuffer(feedKey(userId), page));
    return value ?? undefined;
  }

  async set(userId: string, page: string, body: string): Promise<void> {
    await this.breaker.fire(() =>
      this.redis.multi().hset(feedKey(userId), page, body).expire(feedKey(userId), this.ttlSeconds).exec(),
    );
  }

  async invalidate(userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.breaker.fire(async () => {
      // One UNLINK per key: the keys of different users hash to different slots, which a multi-key command
      // refuses in cluster mode (CROSSSLOT); auto-pipelining still sends each node's share in one write. Chunked
      // so that a user with many followers does not queue everything at once.
      for (let i = 0; i < userIds.length; i += 500) {
        await Promise.all(userIds.slice(i, i + 500).map((id) => this.redis.unlink(feedKey(id))));
      }
    });
  }

  async ping(timeoutMs: number): Promise<void> {
    await pingRedis(this.redis, timeoutMs);
  }
}

/** Feed cache in this process, for local runs without Redis: bounded, with the same expiry. */
export class MemoryFeedCache implements FeedCache {
  readonly kind = 'memory';
  private readonly entries = new Map<string, { pages: Map<string, string>; expiresAt: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly maxUsers = 10_000,
  ) {}

  async get(userId: string, page: string): Promise<string | undefined> {
    const entry = this.entries.get(userId);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(userId);
      return undefined;
    }
    return entry.pages.get(page);
  }

  async set(userId: string, page: string, body: string): Promise<void> {
    const entry = this.entries.get(userId) ?? { pages: new Map(), expiresAt: 0 };
    entry.pages.set(page, body);
    entry.expiresAt = Date.now() + this.ttlSeconds * 1000;
    this.entries.delete(userId);
    this.entries.set(userId, entry);
    evictOldest(this.entries, this.maxUsers);
  }

  async invalidate(userIds: readonly string[]): Promise<void> {
    for (const id of userIds) this.entries.delete(id);
  }

  async ping(): Promise<void> {}
}

/**
 * The last good copy of each feed page, kept in this process for the case where both the cache and the
 * database fail. Bounded (least recently written out first) and never expired: staleness is announced to the
 * client instead. Each instance holds only the pages it served itself.
 */
export class StaleFeedStore {
  private readonly pages = new Map<string, string>();

  constructor(private readonly maxPages = 10_000) {}

  get(userId: string, page: string): string | undefined {
    return this.pages.get(`${userId}|${page}`);
  }

  set(userId: string, page: string, body: string): void {
    const key = `${userId}|${page}`;
    this.pages.delete(key);
    this.pages.set(key, body);
    evictOldest(this.pages, this.maxPages);
  }
}

function feedKey(userId: string): string {
  return `feed:${userId}`;
}

function evictOldest<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}
