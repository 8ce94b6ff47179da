import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { hashPassword, PASSWORD_MAX_BYTES, passwordFits, verifyPassword } from '../auth';
import type { ServiceContext } from '../context';
import { AppError } from '../errors';
import { setRateLimitHeaders } from '../http';
import { Email, ErrorResponse, Password, User, Username } from '../schemas';

interface RegisterBody {
  username: string;
  email: string;
  password: string;
}

interface LoginBody {
  username: string;
  password: string;
}

export function registerAuthRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post<{ Body: RegisterBody }>(
    '/api/v1/auth/register',
    {
      schema: {
        tags: ['auth'],
        body: Type.Object({ username: Username, email: Email, password: Password }, { additionalProperties: false }),
        response: { 201: User, 400: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { username, email, password } = request.body;
      if (!passwordFits(password)) {
        throw new AppError(
          'VALIDATION_FAILED',
          `password is ${Buffer.byteLength(password, 'utf8')} bytes in UTF-8: allowed at most ${PASSWORD_MAX_BYTES} bytes (8 to 72 characters, fewer when they are not ASCII)`,
          'password',
        );
      }
      const passwordHash = await hashPassword(password);
      try {
        const row = await ctx.db.transaction(async (tx) => {
          const inserted = await tx.query<{ id: string; username: string; email: string; created_at: Date }>(
            `INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3)
             RETURNING id, username, email, created_at`,
            [username, email.toLowerCase(), passwordHash],
          );
          const user = inserted.rows[0];
          await tx.query('INSERT INTO outbox (topic, event_key, payload) VALUES ($1, $2, $3)', [
            'users.created',
            user.id,
            JSON.stringify({ userId: user.id, createdAt: user.created_at.toISOString() }),
          ]);
          return user;
        });
        return reply
          .status(201)
          .send({ id: row.id, username: row.username, email: row.email, createdAt: row.created_at.toISOString() });
      } catch (err) {
        const constraint =
          (err as { code?: string; constraint?: string }).code === '23505'
            ? (err as { constraint?: string }).constraint
            : undefined;
        if (constraint === 'users_username_key') throw new AppError('CONFLICT', 'username is taken', 'username');
        if (constraint === 'users_email_key') throw new AppError('CONFLICT', 'email is already registered', 'email');
        throw err;
      }
    },
  );

  app.post<{ Body: LoginBody }>(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        body: Type.Object({ username: Username, password: Password }, { additionalProperties: false }),
        response: {
          200: Type.Object({ token: Type.String(), expiresAt: Type.String() }),
          401: ErrorResponse,
          429: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      try {
        setRateLimitHeaders(reply, await ctx.limits.consume('login', username.toLowerCase()));
      } catch (err) {
        ctx.metrics.logins.inc({ result: 'limited' });
        throw err;
      }
      const [user] = await ctx.db.read<{ id: string; username: string; password_hash: string }>(
        'SELECT id, username, password_hash FROM users WHERE lower(username) = lower($1)',
        [username],
      );
      if (!(await verifyPassword(password, user?.password_hash))) {
        ctx.metrics.logins.inc({ result: 'failure' });
        throw new AppError('INVALID_CREDENTIALS');
      }
      ctx.metrics.logins.inc({ result: 'success' });
      return ctx.tokens.issue({ userId: user.id, username: user.username });
    },
  );
}
