import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../context';
import { AppError } from '../errors';
import { invalidateFeeds } from '../feed';
import { caller, setRateLimitHeaders } from '../http';
import { BearerAuth, ErrorResponse, Username } from '../schemas';

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

  // Search runs on PostgreSQL full-text search. Known gap: the OpenSearch path (used when OPENSEARCH_ENDPOINT is
  // set) is not built yet, so that setting is accepted and logged but search still reads PostgreSQL (issue 3).
  app.get<{ Querystring: { q: string } }>(
    '/api/v1/search',
    {
      schema: {
        tags: ['search'],
        querystring: Type.Object({ q: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            users: Type.Array(Type.Object({ username: Type.String() })),
            posts: Type.Array(Type.Object({ id: Type.String(), author: Type.String(), caption: Type.String() })),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query.q.trim();
      const [users, posts] = await Promise.all([
        ctx.db.read<{ username: string }>(
          'SELECT username FROM users WHERE starts_with(lower(username), lower($1)) ORDER BY username LIMIT 20',
          [q],
        ),
        ctx.db.read<{ id: string; author: string; caption: string }>(
          `SELECT p.id, u.username AS author, p.caption
             FROM posts p JOIN users u ON u.id = p.user_id
            WHERE to_tsvector('simple', p.caption) @@ plainto_tsquery('simple', $1)
            ORDER BY p.id DESC LIMIT 20`,
          [q],
        ),
      ]);
      return { users, posts };
    },
  );
}
