import type { FastifyBaseLogger } from 'fastify';
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

/**
 * A feed page as serialized JSON, read with the seed's degradation order: the cache first, then the
 * database (and the page is cached again), then the last good copy when the database is unavailable too.
 */
export async function readFeed(
  ctx: ServiceContext,
  log: FastifyBaseLogger,
  userId: string,
  cursor: string | undefined,
  limit: number,
): Promise<{ body: string; source: FeedSource }> {
  const page = `${cursor ?? 'first'}:${limit}`;
  try {
    const cached = await ctx.cache.get(userId, page);
    if (cached !== undefined) {
      ctx.metrics.feedCache.inc({ result: 'hit' });
      return { body: cached, source: 'cache' };
    }
  } catch (err) {
    log.debug({ err }, 'feed cache unavailable, reading the database');
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
