import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import sanitizeHtml from 'sanitize-html';
import { Type } from 'typebox';
import type { ServiceContext } from '../context';
import { AppError } from '../errors';
import { type CachedFeedRead, invalidateFeeds, readCachedFeedPage, readFeed } from '../feed';
import { caller, setRateLimitHeaders } from '../http';
import { LocalMediaStorage, MEDIA_TYPES, type MediaType, mediaKeyPattern } from '../media';
import {
  BearerAuth,
  Caption,
  CommentText,
  ErrorResponse,
  FeedPage,
  Id,
  MediaItem,
  MediaSize,
  MimeType,
  Post,
} from '../schemas';

interface MediaInput {
  key: string;
  mimetype: MediaType;
  size: number;
}

/** Strips every tag and attribute: captions and comments are plain text. */
export function stripHtml(text: string): string {
  return sanitizeHtml(text, { allowedTags: [], allowedAttributes: {}, disallowedTagsMode: 'discard' }).trim();
}

function checkMediaSize(type: MediaType, size: number, field: string): void {
  const max = MEDIA_TYPES[type].maxBytes;
  if (size > max) throw new AppError('VALIDATION_FAILED', `${field} must be at most ${max} bytes for ${type}`, field);
}

export function registerPostRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post<{ Body: { mimetype: MediaType; size: number } }>(
    '/api/v1/media/uploads',
    {
      schema: {
        tags: ['media'],
        security: BearerAuth,
        body: Type.Object({ mimetype: MimeType, size: MediaSize }, { additionalProperties: false }),
        response: { 201: Type.Object({ key: Type.String(), uploadUrl: Type.String() }), 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const me = caller(request);
      checkMediaSize(request.body.mimetype, request.body.size, 'size');
      const baseUrl = `${request.protocol}://${request.host}`;
      const upload = await ctx.media.createUpload(me.userId, request.body.mimetype, request.body.size, baseUrl);
      ctx.metrics.uploadsIssued.inc({ storage: ctx.media.kind });
      return reply.status(201).send(upload);
    },
  );

  if (ctx.media instanceof LocalMediaStorage) {
    const storage = ctx.media;
    for (const type of Object.keys(MEDIA_TYPES)) {
      app.addContentTypeParser(
        type,
        { parseAs: 'buffer', bodyLimit: MEDIA_TYPES[type as MediaType].maxBytes },
        (_r, body, done) => done(null, body),
      );
    }
    app.put<{ Params: { userId: string; file: string }; Body: Buffer }>(
      '/api/v1/media/local/uploads/:userId/:file',
      {
        bodyLimit: 100 * 1024 * 1024,
        schema: {
          hide: true,
          params: Type.Object({ userId: Id, file: Type.String({ pattern: '^[0-9a-f-]{36}\\.(jpg|png|mp4)$' }) }),
        },
      },
      async (request, reply) => {
        const me = caller(request);
        if (request.params.userId !== me.userId) throw new AppError('FORBIDDEN', 'the key belongs to another user');
        const path = join(storage.dir, 'uploads', me.userId, request.params.file);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, request.body);
        return reply.status(204).send();
      },
    );
  }

  app.post<{ Body: { caption: string; media: MediaInput[] } }>(
    '/api/v1/posts',
    {
      schema: {
        tags: ['posts'],
        security: BearerAuth,
        body: Type.Object(
          { caption: Caption, media: Type.Array(MediaItem, { minItems: 1, maxItems: 10 }) },
          { additionalProperties: false },
        ),
        response: { 201: Post, 400: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) => {
      const me = caller(request);
      setRateLimitHeaders(reply, await ctx.limits.consume('post', me.userId));
      const caption = stripHtml(request.body.caption);
      if (caption === '') throw new AppError('VALIDATION_FAILED', 'caption is empty once HTML is removed', 'caption');
      const ownKey = mediaKeyPattern(me.userId);
      const media = request.body.media.map((m, i) => {
        if (!ownKey.test(m.key)) {
          throw new AppError(
            'VALIDATION_FAILED',
            `media/${i}/key must be a key issued to you by /api/v1/media/uploads`,
            `media/${i}/key`,
          );
        }
        const extension = m.key.slice(m.key.lastIndexOf('.') + 1);
        if (extension !== MEDIA_TYPES[m.mimetype].extension) {
          const keyType = Object.entries(MEDIA_TYPES).find(([, t]) => t.extension === extension)?.[0];
          throw new AppError(
            'VALIDATION_FAILED',
            `media/${i}/mimetype ${m.mimetype} does not match the key's .${extension}: allowed ${keyType}, the type the upload was issued for`,
            `media/${i}/mimetype`,
          );
        }
        checkMediaSize(m.mimetype, m.size, `media/${i}/size`);
        return { key: m.key, mimetype: m.mimetype, size: m.size };
      });

      const { post, followers } = await ctx.db.transaction(async (tx) => {
        const inserted = await tx.query<{ id: string; created_at: Date }>(
          'INSERT INTO posts (user_id, caption, media) VALUES ($1, $2, $3) RETURNING id, created_at',
          [me.userId, caption, JSON.stringify(media)],
        );
        const row = inserted.rows[0];
        await tx.query('INSERT INTO outbox (topic, event_key, payload) VALUES ($1, $2, $3)', [
          'posts.created',
          row.id,
          JSON.stringify({ postId: row.id, userId: me.userId, createdAt: row.created_at.toISOString() }),
        ]);
        const f = await tx.query<{ follower_id: string }>('SELECT follower_id FROM follows WHERE followee_id = $1', [
          me.userId,
        ]);
        return { post: row, followers: f.rows.map((r) => r.follower_id) };
      });
      ctx.metrics.postsCreated.inc();
      await invalidateFeeds(ctx, request.log, followers);
      return reply.status(201).send({
        id: post.id,
        author: me.username,
        caption,
        media,
        createdAt: post.created_at.toISOString(),
        likes: 0,
        comments: 0,
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/posts/:id',
    {
      schema: {
        tags: ['posts'],
        params: Type.Object({ id: Id }),
        response: { 200: Post, 404: ErrorResponse },
      },
    },
    async (request) => {
      const [row] = await ctx.db.read<{
        id: string;
        author: string;
        caption: string;
        media: MediaInput[];
        created_at: Date;
        likes: number;
        comments: number;
      }>(
        `SELECT p.id, u.username AS author, p.caption, p.media, p.created_at,
                (SELECT count(*)::int FROM likes l WHERE l.post_id = p.id) AS likes,
                (SELECT count(*)::int FROM comments c WHERE c.post_id = p.id) AS comments
           FROM posts p JOIN users u ON u.id = p.user_id
          WHERE p.id = $1`,
        [request.params.id],
      );
      if (!row) throw new AppError('NOT_FOUND', 'no such post', 'id');
      return { ...row, createdAt: row.created_at.toISOString() };
    },
  );

  app.get<{ Querystring: { cursor?: string; limit: number } }>(
    '/api/v1/feed',
    {
      schema: {
        tags: ['feed'],
        security: BearerAuth,
        querystring: Type.Object(
          {
            cursor: Type.Optional(Id),
            limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: FeedPage, 401: ErrorResponse, 503: ErrorResponse },
      },
      config: {
        // The cache read leaves with the API rate-limit count: one Redis round trip for a cached page.
        readAhead: (request, me) => {
          const { cursor, limit } = request.query as { cursor?: string; limit: number };
          return readCachedFeedPage(ctx, me.userId, cursor, limit);
        },
      },
    },
    async (request, reply) => {
      const me = caller(request);
      const { cursor, limit } = request.query;
      const ahead = request.readAhead as CachedFeedRead | undefined;
      const { body, source } = await readFeed(ctx, request.log, me.userId, cursor, limit, ahead);
      reply.header('x-feed-source', source);
      if (source === 'stale') reply.header('warning', '110 - "Response is Stale"');
      // The page is already JSON (text, or the bytes the cache holds): sent as is, not serialized again.
      return reply
        .type('application/json; charset=utf-8')
        .serializer((payload) => payload as string)
        .send(body);
    },
  );

  const postIdParams = Type.Object({ id: Id });
  const likeResponse = { 200: Type.Object({ postId: Type.String(), liked: Type.Boolean() }), 404: ErrorResponse };

  app.post<{ Params: { id: string } }>(
    '/api/v1/posts/:id/likes',
    { schema: { tags: ['posts'], security: BearerAuth, params: postIdParams, response: likeResponse } },
    async (request, reply) => {
      const me = caller(request);
      setRateLimitHeaders(reply, await ctx.limits.consume('like', me.userId));
      const postId = request.params.id;
      await ctx.db
        .transaction(async (tx) => {
          const inserted = await tx.query(
            'INSERT INTO likes (post_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING post_id',
            [postId, me.userId],
          );
          if (inserted.rowCount === 1) {
            await tx.query('INSERT INTO outbox (topic, event_key, payload) VALUES ($1, $2, $3)', [
              'likes.created',
              postId,
              JSON.stringify({ postId, userId: me.userId }),
            ]);
          }
        })
        .catch(notFoundOnMissingPost);
      return { postId, liked: true };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/posts/:id/likes',
    { schema: { tags: ['posts'], security: BearerAuth, params: postIdParams, response: likeResponse } },
    async (request, reply) => {
      const me = caller(request);
      setRateLimitHeaders(reply, await ctx.limits.consume('like', me.userId));
      await ctx.db.query('DELETE FROM likes WHERE post_id = $1 AND user_id = $2', [request.params.id, me.userId]);
      return { postId: request.params.id, liked: false };
    },
  );

  app.post<{ Params: { id: string }; Body: { text: string } }>(
    '/api/v1/posts/:id/comments',
    {
      schema: {
        tags: ['posts'],
        security: BearerAuth,
        params: postIdParams,
        body: Type.Object({ text: CommentText }, { additionalProperties: false }),
        response: {
          201: Type.Object({
            id: Type.String(),
            postId: Type.String(),
            author: Type.String(),
            text: Type.String(),
            createdAt: Type.String(),
          }),
          404: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const me = caller(request);
      setRateLimitHeaders(reply, await ctx.limits.consume('comment', me.userId));
      const text = stripHtml(request.body.text);
      if (text === '') throw new AppError('VALIDATION_FAILED', 'text is empty once HTML is removed', 'text');
      const [row] = await ctx.db
        .query<{ id: string; created_at: Date }>(
          'INSERT INTO comments (post_id, user_id, text) VALUES ($1, $2, $3) RETURNING id, created_at',
          [request.params.id, me.userId, text],
        )
        .catch(notFoundOnMissingPost);
      return reply.status(201).send({
        id: row.id,
        postId: request.params.id,
        author: me.username,
        text,
        createdAt: row.created_at.toISOString(),
      });
    },
  );
}

function notFoundOnMissingPost(err: unknown): never {
  if ((err as { code?: string }).code === '23503') throw new AppError('NOT_FOUND', 'no such post', 'id');
  throw err;
}
