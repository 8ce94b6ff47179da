import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Ajv, { type AnySchema } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Principal } from './auth';
import { isBreakerError } from './breaker';
import type { ServiceContext } from './context';
import { AppError, DependencyUnavailableError } from './errors';
import { setRateLimitHeaders } from './http';
import { registerAuthRoutes } from './routes/auth';
import { registerOpsRoutes } from './routes/ops';
import { registerPostRoutes } from './routes/posts';
import { registerUserRoutes } from './routes/users';
import { NO_NUL_PATTERN } from './schemas';
import { securityHeaders } from './security-headers';

export interface AppOptions {
  readonly logger: Logger;
  /** Key and certificate (PEM) to serve HTTPS. @default - plain HTTP */
  readonly https?: { readonly key: Buffer; readonly cert: Buffer };
  /** Largest JSON body accepted; larger ones get 413. @default 64 KiB */
  readonly bodyLimitBytes?: number;
}

export type App = FastifyInstance;

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// Routes that change nothing although they are POSTs; they keep working while the write switch is off.
const READ_ONLY_POSTS = new Set(['/api/v1/auth/login']);

/** Builds the Fastify application over a service context; listens nowhere (`inject` or `listen` it). */
export async function buildApp(ctx: ServiceContext, options: AppOptions): Promise<App> {
  const app = Fastify({
    loggerInstance: options.logger,
    ...(options.https ? { https: options.https } : {}),
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    trustProxy: true,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;

  // JSON bodies carry their own types: `12345` is not a username and `"100"` is not a size. Query strings,
  // path parameters and headers are text, so they alone are coerced to the schema's types.
  const bodyAjv = createAjv(false);
  const textAjv = createAjv('array');
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as AnySchema),
  );

  await app.register(swagger, {
    openapi: {
      info: { title: 'photo-platform API', version: '1.0.0', description: 'The photo-sharing API service' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });

  // Only JSON (and the media types a route registers) is read: a text/plain body gets 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((err: FastifyError, request, reply) => sendError(toAppError(err, request), reply));
  app.setNotFoundHandler((_request, reply) => sendError(new AppError('NOT_FOUND'), reply));

  // helmet's headers on every answer (refusals and unknown routes too), then the request id and the write switch.
  const security = securityHeaders();
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(security);
    reply.header('x-request-id', request.id);
    const route = request.routeOptions.url ?? '';
    if (
      WRITE_METHODS.has(request.method) &&
      route.startsWith('/api/') &&
      !READ_ONLY_POSTS.has(route) &&
      !ctx.writeSwitch.writesEnabled
    ) {
      done(new AppError('WRITES_DISABLED', undefined, undefined, { 'retry-after': '30' }));
      return;
    }
    done();
  });

  // Every API request: authenticate when a token is sent, then count it against the caller's overall limit (with the
  // route's read-ahead, if it has one, in the same Redis write).
  app.addHook('preHandler', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer ([A-Za-z0-9_\-.]{1,4096})$/.exec(header);
      if (!match) throw new AppError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
      request.principal = await ctx.tokens.verify(match[1]);
    }
    const principal = request.principal;
    const counted = ctx.limits.consume('api', principal ? `user:${principal.userId}` : `ip:${request.ip}`);
    const ahead = principal ? startReadAhead(request, principal) : undefined;
    // The count is awaited first: a refused request ends here with its 429 and the read-ahead is never looked at.
    setRateLimitHeaders(reply, await counted);
    if (ahead) request.readAhead = await ahead;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    ctx.metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 400) ctx.metrics.errors.inc({ route, status: String(reply.statusCode) });
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerOpsRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  registerPostRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  return app;
}

/**
 * Starts the route's read-ahead, if it has one. One that throws or rejects is logged and counts as none (the
 * handler reads for itself), so that a broken read-ahead can neither leave the rate-limit count unawaited nor
 * leave a rejection unhandled behind a 429.
 */
function startReadAhead(request: FastifyRequest, principal: Principal): Promise<unknown> | undefined {
  const readAhead = request.routeOptions.config?.readAhead;
  if (!readAhead) return undefined;
  const dropped = (err: unknown) => {
    request.log.warn({ err }, 'read-ahead failed; the handler reads for itself');
    return undefined;
  };
  try {
    return readAhead(request, principal).catch(dropped);
  } catch (err) {
    dropped(err);
    return undefined;
  }
}

/** Ajv as Fastify configures it (formats, defaults applied, additional properties refused, first error only). */
function createAjv(coerceTypes: false | 'array'): Ajv {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    addUsedSchema: false,
    allErrors: false,
  });
  addFormats(ajv);
  return ajv;
}

type ValidationIssue = NonNullable<FastifyError['validation']>[number];

/** What is wrong with a value, for the client: the problem and what is allowed. */
function describeIssue(issue: ValidationIssue, all: readonly ValidationIssue[]): string {
  const params = (issue.params ?? {}) as Record<string, unknown>;
  if (issue.keyword === 'pattern' && params.pattern === NO_NUL_PATTERN) {
    return 'must not contain NUL characters (\\u0000); any other text is allowed';
  }
  if (issue.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.keyword === 'const') {
    // A union of literals fails each branch with its own constant: together they are the allowed values.
    const allowed = all
      .filter((i) => i.keyword === 'const' && i.instancePath === issue.instancePath)
      .map((i) => JSON.stringify((i.params as { allowedValue?: unknown }).allowedValue));
    return allowed.length > 1 ? `must be one of ${allowed.join(', ')}` : `must be ${allowed[0]}`;
  }
  return issue.message ?? 'is not valid';
}

function sendError(err: AppError, reply: FastifyReply): FastifyReply {
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
  return reply.status(err.status).type('application/json; charset=utf-8').send(err.toBody());
}

/** Maps anything thrown to a catalogued error; what is not known is logged and answered as a bare 500. */
export function toAppError(err: FastifyError, request: FastifyRequest): AppError {
  if (err instanceof AppError) {
    if (err.status >= 500) request.log.warn({ code: err.code }, 'request refused');
    return err;
  }
  if (err.validation && err.validation.length > 0) {
    const issue = err.validation[0];
    const params = (issue.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
    const named = params.missingProperty ?? params.additionalProperty;
    const parent = issue.instancePath.replace(/^\//, '');
    const path = `${issue.instancePath}${named !== undefined ? `/${named}` : ''}`.replace(/^\//, '');
    const field = path === '' ? (err.validationContext ?? 'body') : path;
    let message: string;
    if (params.missingProperty !== undefined) message = `${field} is required`;
    else if (params.additionalProperty !== undefined)
      message = `${field} is not an allowed property of ${parent === '' ? (err.validationContext ?? 'body') : parent}`;
    else message = `${field} ${describeIssue(issue, err.validation)}`;
    return new AppError('VALIDATION_FAILED', message, field);
  }
  // Backstop for text the schemas let through that PostgreSQL cannot store (NUL, or bytes invalid in UTF-8).
  const pgCode = (err as { code?: unknown }).code;
  if (pgCode === '22021' || pgCode === '22P05') {
    request.log.warn({ pgCode }, 'text PostgreSQL cannot store reached the database');
    return new AppError(
      'VALIDATION_FAILED',
      'a text field contains a character that cannot be stored: NUL (\\u0000) is not allowed in any text',
    );
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('MALFORMED_BODY');
  }
  if (err instanceof DependencyUnavailableError || isBreakerError(err)) {
    request.log.warn({ err }, 'dependency unavailable');
    return new AppError('SERVICE_UNAVAILABLE', undefined, undefined, { 'retry-after': '5' });
  }
  if (err instanceof SyntaxError && err.statusCode === 400) return new AppError('MALFORMED_BODY');
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    request.log.info({ err }, 'client error');
    return err.statusCode === 404 ? new AppError('NOT_FOUND') : new AppError('VALIDATION_FAILED');
  }
  request.log.error({ err }, 'unhandled error');
  return new AppError('INTERNAL');
}
