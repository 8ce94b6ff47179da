import type { FastifyBaseLogger } from 'fastify';
import type { FeedPageBody } from './cache';
import type { ServiceContext } from './context';
import { DependencyUnavailableError } from './errors';

/** Where a feed page came from: the cache, the database, or the last good copy (stale). */
export type FeedSource = 'cache' | 'database' | 'stale';

interface FeedRow {
  id: string;
  author: string;
  caption: string;
  media: unknown;
  created_at: Date;
}

/** What the cache answered for one feed page: the page, nothing (a miss), or the error that stopped the read. */
export type CachedFeedRead = { readonly body: FeedPageBody | undefined } | { readonly error: unknown };

/** Reads one feed page from the cache only; never rejects (a failed read is returned, for the database to step in). */
export function readCachedFeedPage(
  ctx: ServiceContext,
  userId: string,
  cursor: string | undefined,
  limit: number,
): Promise<CachedFeedRead> {
  return ctx.cache.get(userId, pageKey(cursor, limit)).then(
    (body) => ({ body }),
    (error: unknown) => ({ error }),
  );
}

/**
 * A feed page as serialized JSON, read with the seed's degradation order: the cache first, then the
 * database (and the page is cached again), then the last good copy when the database is unavailable too.
 * `cached` is the cache's answer when the caller already started the read (see `readAhead` in context.ts).
 */
export async function readFeed(
  ctx: ServiceContext,
  log: FastifyBaseLogger,
  userId: string,
  cursor: string | undefined,
  limit: number,
  cached: Promise<CachedFeedRead> | CachedFeedRead = readCachedFeedPage(ctx, userId, cursor, limit),
): Promise<{ body: FeedPageBody; source: FeedSource }> {
  const page = pageKey(cursor, limit);
  const fromCache = await cached;
  if ('error' in fromCache) {
    log.debug({ err: fromCache.error }, 'feed cache unavailable, reading the database');
  } else if (fromCache.body !== undefined) {
    ctx.metrics.feedCache.inc({ result: 'hit' });
    return { body: fromCache.body, source: 'cache' };
  }

  let rows: FeedRow[];
  try {
    rows = await ctx.db.read<FeedRow & Record<string, unknown>>(
      // The newest `limit` posts of each followed user (an index range scan each on posts (user_id, id DESC)),
      // merged. Scanning all posts newest first and probing follows instead costs time in proportion to the
      // posts of users the reader does not follow. Known limit: the cost grows with the number of followed
      // users; accounts following many thousands would need fan-out on write (a precomputed timeline).
      `SELECT p.id, u.username AS author, p.caption, p.media, p.created_at
         FROM follows f
         JOIN users u ON u.id = f.followee_id
         CROSS JOIN LATERAL (
           SELECT id, caption, media, created_at FROM posts
            WHERE user_id = f.followee_id AND id < COALESCE($2::bigint, 9223372036854775807)
            ORDER BY id DESC
            LIMIT $3
         ) p
        WHERE f.follower_id = $1
        ORDER BY p.id DESC
        LIMIT $3`,
      [userId, cursor ?? null, limit],
    );
  } catch (err) {
    const stale = err instanceof DependencyUnavailableError ? ctx.stale.get(userId, page) : undefined;
    if (stale === undefined) throw err;
    ctx.metrics.feedCache.inc({ result: 'stale' });
    return { body: stale, source: 'stale' };
  }

  ctx.metrics.feedCache.inc({ result: 'miss' });
  const body = JSON.stringify({
    items: rows.map((r) => ({
      id: r.id,
      author: r.author,
      caption: r.caption,
      media: r.media,
      createdAt: r.created_at.toISOString(),
    })),
    nextCursor: rows.length === limit ? rows[rows.length - 1].id : null,
  });
  ctx.stale.set(userId, page, body);
  ctx.cache.set(userId, page, body).catch((err) => log.debug({ err }, 'feed cache write failed'));
  return { body, source: 'database' };
}

/** The cache field of one page of a user's feed. */
function pageKey(cursor: string | undefined, limit: number): string {
  return `${cursor ?? 'first'}:${limit}`;
}

/** Drops the cached feeds of `userIds`; a failure only logs, the cache entries expire on their own. */
export async function invalidateFeeds(ctx: ServiceContext, log: FastifyBaseLogger, userIds: readonly string[]) {
  try {
    await ctx.cache.invalidate(userIds);
  } catch (err) {
    // Known limit: while Redis is unreachable, pages cached before the outage can outlive a write by up to the
    // cache TTL once Redis returns. The TTL (FEED_CACHE_TTL_SECONDS in service.ts) bounds that staleness.
    log.warn({ err, users: userIds.length }, 'feed invalidation failed');
  }
}
