import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { isBreakerError } from '../breaker';
import type { ServiceContext } from '../context';
import { AppError } from '../errors';
import { invalidateFeeds } from '../feed';
import { caller, setRateLimitHeaders } from '../http';
import { BearerAuth, ErrorResponse, SearchTerms, Username } from '../schemas';
import { SEARCH_LIMIT, type SearchResults } from '../search';

const UsernameParams = Type.Object({ username: Username });
const FollowResponse = { 200: Type.Object({ username: Type.String(), following: Type.Boolean() }), 404: ErrorResponse };

export function registerUserRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const findUserId = async (username: string): Promise<string> => {
    const [row] = await ctx.db.read<{ id: string }>('SELECT id FROM users WHERE lower(username) = lower($1)', [
      username,
    ]);
    if (!row) throw new AppError('NOT_FOUND', 'no such user', 'username');
    return row.id;
  };

  app.get<{ Params: { username: string } }>(
    '/api/v1/users/:username',
    {
      schema: {
        tags: ['users'],
        params: UsernameParams,
        response: {
          200: Type.Object({
            username: Type.String(),
            createdAt: Type.String(),
            posts: Type.Integer(),
            followers: Type.Integer(),
            following: Type.Integer(),
          }),
          404: ErrorResponse,
        },
      },
    },
    async (request) => {
      const [row] = await ctx.db.read<{
        username: string;
        created_at: Date;
        posts: number;
        followers: number;
        following: number;
      }>(
        `SELECT u.username, u.created_at,
                (SELECT count(*)::int FROM posts p WHERE p.user_id = u.id) AS posts,
                (SELECT count(*)::int FROM follows f WHERE f.followee_id = u.id) AS followers,
                (SELECT count(*)::int FROM follows f WHERE f.follower_id = u.id) AS following
           FROM users u WHERE lower(u.username) = lower($1)`,
        [request.params.username],
      );
      if (!row) throw new AppError('NOT_FOUND', 'no such user', 'username');
      return { ...row, createdAt: row.created_at.toISOString() };
    },
  );

  app.post<{ Params: { username: string } }>(
    '/api/v1/users/:username/follow',
    { schema: { tags: ['users'], security: BearerAuth, params: UsernameParams, response: FollowResponse } },
    async (request, reply) => {
      const me = caller(request);
      setRateLimitHeaders(reply, await ctx.limits.consume('follow', me.userId));
      const followeeId = await findUserId(request.params.username);
      if (followeeId === me.userId)
        throw new AppError('VALIDATION_FAILED', 'username must not be your own', 'username');
      await ctx.db.transaction(async (tx) => {
        const inserted = await tx.query(
          'INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING follower_id',
          [me.userId, followeeId],
        );
        if (inserted.rowCount === 1) {
          await tx.query('INSERT INTO outbox (topic, event_key, payload) VALUES ($1, $2, $3)', [
            'follows.created',
            me.userId,
            JSON.stringify({ followerId: me.userId, followeeId }),
          ]);
        }
      });
      await invalidateFeeds(ctx, request.log, [me.userId]);
      return { username: request.params.username, following: true };
    },
  );

  app.delete<{ Params: { username: string } }>(
    '/api/v1/users/:username/follow',
    { schema: { tags: ['users'], security: BearerAuth, params: UsernameParams, response: FollowResponse } },
    async (request, reply) => {
      const me = caller(request);
      setRateLimitHeaders(reply, await ctx.limits.consume('follow', me.userId));
      const followeeId = await findUserId(request.params.username);
      await ctx.db.query('DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2', [me.userId, followeeId]);
      await invalidateFeeds(ctx, request.log, [me.userId]);
      return { username: request.params.username, following: false };
    },
  );

  // Search reads OpenSearch when it is configured, and PostgreSQL's full-text indexes otherwise or whenever
  // OpenSearch fails, times out or has its breaker open: both answer the same shape with the same semantics, and
  // `x-search-source` says which one answered.
  app.get<{ Querystring: { q: string } }>(
    '/api/v1/search',
    {
      schema: {
        tags: ['search'],
        querystring: Type.Object({ q: SearchTerms }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            users: Type.Array(Type.Object({ username: Type.String() })),
            posts: Type.Array(Type.Object({ id: Type.String(), author: Type.String(), caption: Type.String() })),
          }),
        },
      },
    },
    async (request, reply) => {
      const q = request.query.q.trim();
      if (ctx.search) {
        try {
          const found = await ctx.search.search(q);
          ctx.metrics.searches.inc({ source: 'opensearch' });
          reply.header('x-search-source', 'opensearch');
          return found;
        } catch (err) {
          // While the breaker is open every search lands here at once; the state change itself is logged.
          if (isBreakerError(err)) request.log.debug({ err }, 'opensearch skipped, searching PostgreSQL');
          else request.log.warn({ err }, 'opensearch search failed, searching PostgreSQL');
        }
      }
      const found = await searchDatabase(ctx, q);
      ctx.metrics.searches.inc({ source: 'database' });
      reply.header('x-search-source', 'database');
      return found;
    },
  );
}

/** The PostgreSQL search: users by name prefix (any case), posts whose caption has every word, newest first. */
async function searchDatabase(ctx: ServiceContext, q: string): Promise<SearchResults> {
  const [users, posts] = await Promise.all([
    ctx.db.read<{ username: string }>(
      'SELECT username FROM users WHERE starts_with(lower(username), lower($1)) ORDER BY username LIMIT $2',
      [q, SEARCH_LIMIT],
    ),
    ctx.db.read<{ id: string; author: string; caption: string }>(
      `SELECT p.id, u.username AS author, p.caption
         FROM posts p JOIN users u ON u.id = p.user_id
        WHERE to_tsvector('simple', p.caption) @@ plainto_tsquery('simple', $1)
        ORDER BY p.id DESC LIMIT $2`,
      [q, SEARCH_LIMIT],
    ),
  ]);
  return { users, posts };
}
