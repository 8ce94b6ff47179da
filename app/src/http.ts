import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from './auth';
import { AppError } from './errors';
import type { RateLimitState } from './rate-limits';

export function setRateLimitHeaders(reply: FastifyReply, state: RateLimitState) {
  reply.header('ratelimit-limit', state.limit);
  reply.header('ratelimit-remaining', state.remaining);
  reply.header('ratelimit-reset', state.resetSeconds);
}

/** The caller of an authenticated route; throws UNAUTHENTICATED when the request carried no token. */
export function caller(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED');
  return request.principal;
}
