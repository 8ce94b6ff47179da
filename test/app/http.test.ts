import pino from 'pino';
import { type App, buildApp } from '../../app/src/app';
import { TOKEN_CLOCK_TOLERANCE_SECONDS, TOKEN_TTL_SECONDS, Tokens } from '../../app/src/auth';
import { DEFAULT_BREAKER } from '../../app/src/breaker';
import { MemoryFeedCache, StaleFeedStore } from '../../app/src/cache';
import type { ServiceContext } from '../../app/src/context';
import { Database } from '../../app/src/db/database';
import { LocalMediaStorage } from '../../app/src/media';
import { Metrics } from '../../app/src/metrics';
import { RateLimits } from '../../app/src/rate-limits';
import { WriteSwitch } from '../../app/src/write-switch';
import { freePort } from './helpers/servers';
import { TEST_JWT_SECRET } from './helpers/service';
import { forgedTokens } from './helpers/tokens';

// Unit tests through inject: the database points at a closed port, so only what is decided before (or
// without) a query is exercised here; test/app/api.test.ts covers the rest on a real PostgreSQL.
const logger = pino({ level: 'silent' });
let app: App;
let ctx: ServiceContext;
let authorization: string;
// The SSM parameter behind the write switch, as the runbook would set it.
let switchValue = 'on';
const ssm = { send: async () => ({ Parameter: { Value: switchValue } }) } as never;

beforeAll(async () => {
  const metrics = new Metrics();
  ctx = {
    db: new Database({
      writer: {
        host: '127.0.0.1',
        port: await freePort(),
        user: 'nobody',
        database: 'none',
        connectionTimeoutMillis: 500,
      },
      breaker: DEFAULT_BREAKER,
      metrics,
      logger,
    }),
    cache: new MemoryFeedCache(60),
    stale: new StaleFeedStore(),
    limits: new RateLimits(undefined),
    tokens: new Tokens(TEST_JWT_SECRET),
    media: new LocalMediaStorage('/tmp/photo-unit-media'),
    writeSwitch: new WriteSwitch(true, logger, { name: '/photo/writes', ssm, pollMs: 60_000 }),
    metrics,
    healthTimeoutMs: 500,
    diskPath: '/tmp',
  };
  app = await buildApp(ctx, { logger });
  const { token } = await ctx.tokens.issue({ userId: '7', username: 'carol' });
  authorization = `Bearer ${token}`;
});

afterAll(async () => {
  await app.close();
  await ctx.db.close();
});

const key = 'uploads/7/0b5e2f1c-3f7a-4a57-9f0e-0d2a8e0c6a11.jpg';
const validPost = { caption: 'sunset', media: [{ key, mimetype: 'image/jpeg', size: 1000 }] };

describe('request validation', () => {
  test.each([
    ['caption missing', 'caption', { media: validPost.media }],
    ['caption over 2,200 characters', 'caption', { ...validPost, caption: 'x'.repeat(2201) }],
    ['caption only HTML', 'caption', { ...validPost, caption: '<img src=x onerror=alert(1)>' }],
    ['no media', 'media', { ...validPost, media: [] }],
    ['eleven media', 'media', { ...validPost, media: Array(11).fill(validPost.media[0]) }],
    ['a GIF', 'media/0/mimetype', { ...validPost, media: [{ key, mimetype: 'image/gif', size: 1 }] }],
    [
      'an image over 10 MB',
      'media/0/size',
      { ...validPost, media: [{ key, mimetype: 'image/jpeg', size: 10 * 1024 * 1024 + 1 }] },
    ],
    [
      'a video over 100 MB',
      'media/0/size',
      { ...validPost, media: [{ key, mimetype: 'video/mp4', size: 100 * 1024 * 1024 + 1 }] },
    ],
    [
      'a key of another user',
      'media/0/key',
      { ...validPost, media: [{ ...validPost.media[0], key: key.replace('/7/', '/8/') }] },
    ],
    [
      'a .jpg key declared as a 95 MB video',
      'media/0/mimetype',
      { ...validPost, media: [{ key, mimetype: 'video/mp4', size: 99_999_999 }] },
    ],
    [
      'a .jpg key declared as a PNG',
      'media/1/mimetype',
      { ...validPost, media: [validPost.media[0], { key, mimetype: 'image/png', size: 1000 }] },
    ],
    [
      'a key of user 1 (not the caller)',
      'media/0/key',
      { ...validPost, media: [{ ...validPost.media[0], key: key.replace('/7/', '/1/') }] },
    ],
    ['an unknown field', 'owner', { ...validPost, owner: 'admin' }],
  ])('a post with %s gets 400 naming %s', async (_case, field, payload) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/posts', headers: { authorization }, payload });

    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    expect(res.json().error.message).toContain(field);
  });

  test.each([
    ['username', { username: 'a b', email: 'a@example.com', password: 'long enough' }],
    ['username', { username: 'ab', email: 'a@example.com', password: 'long enough' }],
    ['email', { username: 'dave', email: 'not-an-email', password: 'long enough' }],
    ['password', { username: 'dave', email: 'd@example.com', password: 'short' }],
    ['password', { username: 'dave', email: 'd@example.com' }],
  ])('registration names %s when it is invalid', async (field, payload) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload });

    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
  });

  test.each([
    ['/api/v1/feed?limit=0', 'limit'],
    ['/api/v1/feed?limit=51', 'limit'],
    ['/api/v1/feed?cursor=abc', 'cursor'],
  ])('GET %s gets 400 naming %s', async (url, field) => {
    const res = await app.inject({ method: 'GET', url, headers: { authorization } });

    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe(field);
  });

  test('an upload request checks the size ceiling of its type', async () => {
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/media/uploads',
      headers: { authorization, host: 'photos.example' },
      payload: { mimetype: 'video/mp4', size: 50 * 1024 * 1024 },
    });
    const tooBig = await app.inject({
      method: 'POST',
      url: '/api/v1/media/uploads',
      headers: { authorization },
      payload: { mimetype: 'image/png', size: 11 * 1024 * 1024 },
    });

    expect(ok.statusCode).toBe(201);
    expect(ok.json().key).toMatch(/^uploads\/7\/[0-9a-f-]{36}\.mp4$/);
    expect(ok.json().uploadUrl).toBe(`http://photos.example/api/v1/media/local/${ok.json().key}`);
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.json().error.field).toBe('size');
  });
});

describe('bodies', () => {
  test('a body over 64 KiB gets 413', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { authorization, 'content-type': 'application/json' },
      payload: JSON.stringify({ ...validPost, caption: 'x'.repeat(70_000) }),
    });

    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  test.each([
    ['truncated JSON', '{"caption": "x", "media": ['],
    ['an empty body', ''],
    ['a JSON string', '"caption"'],
  ])('%s gets a 400', async (_case, payload) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { authorization, 'content-type': 'application/json' },
      payload,
    });

    expect(res.statusCode).toBe(400);
    expect(['MALFORMED_BODY', 'VALIDATION_FAILED']).toContain(res.json().error.code);
  });

  test('a form body gets 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=a&password=b',
    });

    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('tokens', () => {
  test.each(['algNone', 'wrongKey', 'hs512', 'tamperedPayload'] as const)(
    'a token forged as %s gets 401',
    async (kind) => {
      const tokens = await forgedTokens(TEST_JWT_SECRET, '7', 'carol');

      const res = await app.inject({
        method: 'GET',
        url: '/api/v1/feed',
        headers: { authorization: `Bearer ${tokens[kind]}` },
      });

      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    },
  );

  test('an expired token gets 401 TOKEN_EXPIRED', async () => {
    const { expired } = await forgedTokens(TEST_JWT_SECRET, '7', 'carol');

    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/feed',
      headers: { authorization: `Bearer ${expired}` },
    });

    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('TOKEN_EXPIRED');
  });

  test.each([undefined, 'Basic Y2Fyb2w6cHc=', 'Bearer'])(
    'a feed request with authorization %p gets 401',
    async (header) => {
      const res = await app.inject({
        method: 'GET',
        url: '/api/v1/feed',
        headers: header ? { authorization: header } : {},
      });

      expect(res.statusCode).toBe(401);
    },
  );

  test('a token remembered as valid stops working when it expires (past the clock tolerance)', async () => {
    const tokens = new Tokens(TEST_JWT_SECRET);
    const { token } = await tokens.issue({ userId: '7', username: 'carol' });
    await expect(tokens.verify(token)).resolves.toEqual({ userId: '7', username: 'carol' });

    const pastExpiry = (TOKEN_TTL_SECONDS + TOKEN_CLOCK_TOLERANCE_SECONDS + 1) * 1000;
    jest.useFakeTimers({ now: Date.now() + pastExpiry, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    } finally {
      jest.useRealTimers();
    }
  });

  test('issued tokens are HS256 and expire after one hour', async () => {
    const { token, expiresAt } = await ctx.tokens.issue({ userId: '7', username: 'carol' });
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString() || '{}'));

    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload.exp - payload.iat).toBe(3600);
    expect(new Date(expiresAt).getTime()).toBe(payload.exp * 1000);
  });
});

describe('errors', () => {
  test('a mimetype that does not match the key says which type the key was issued for', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { authorization },
      payload: { ...validPost, media: [{ key, mimetype: 'video/mp4', size: 5000 }] },
    });

    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe(
      "media/0/mimetype video/mp4 does not match the key's .jpg: allowed image/jpeg, the type the upload was issued for",
    );
  });

  test('an unknown route gets the catalogued 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/nothing' });

    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such resource' } });
  });

  test('an unreachable database gets 503 with no internal detail', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/posts/1' });

    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({
      error: { code: 'SERVICE_UNAVAILABLE', message: 'a dependency is unavailable; retry later' },
    });
  });

  test('health answers 503 unhealthy with the per-check detail when the database is down', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });

    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      status: 'unhealthy',
      checks: { database: 'failed', replica: 'not-configured', cache: 'in-memory', disk: 'ok' },
    });
    expect(Date.parse(res.json().timestamp)).not.toBeNaN();
  });
});

describe('security headers', () => {
  // helmet's defaults, as browsers read them; every answer carries them, refusals and unknown routes too.
  const expected = {
    'content-security-policy':
      "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';" +
      "img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';" +
      "style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'SAMEORIGIN',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  };

  test.each([
    ['a served request', '/openapi.json', 'none', 200],
    ['a dependency failure', '/api/v1/search?q=abc', 'none', 503],
    ['a refused token', '/api/v1/feed', 'Bearer not.a.token', 401],
    ['an unknown route', '/api/v1/nothing', 'none', 404],
  ])('%s carries them', async (_case, url, header, status) => {
    const res = await app.inject({
      method: 'GET',
      url,
      headers: header === 'none' ? {} : { authorization: header },
    });

    expect(res.statusCode).toBe(status);
    expect(res.headers).toMatchObject(expected);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('write switch', () => {
  afterEach(async () => {
    switchValue = 'on';
    await ctx.writeSwitch.refresh();
  });

  test('while the parameter says off, writes get 503 with Retry-After and reads still route', async () => {
    switchValue = 'off';
    await ctx.writeSwitch.refresh();

    const write = await app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { authorization },
      payload: validPost,
    });
    const read = await app.inject({ method: 'GET', url: '/api/v1/feed?limit=0', headers: { authorization } });

    expect(write.statusCode).toBe(503);
    expect(write.headers['retry-after']).toBe('30');
    expect(write.json().error.code).toBe('WRITES_DISABLED');
    expect(read.statusCode).toBe(400);
  });

  test.each(['maybe', ''])('a parameter value %p keeps the last state', async (value) => {
    switchValue = 'off';
    await ctx.writeSwitch.refresh();
    switchValue = value;
    await ctx.writeSwitch.refresh();

    expect(ctx.writeSwitch.writesEnabled).toBe(false);
  });

  test('writes resume when the parameter says on again', async () => {
    switchValue = 'off';
    await ctx.writeSwitch.refresh();
    switchValue = 'on';
    await ctx.writeSwitch.refresh();

    const write = await app.inject({ method: 'POST', url: '/api/v1/posts', headers: { authorization }, payload: {} });

    expect(write.statusCode).toBe(400);
  });
});

describe('documents', () => {
  test('the OpenAPI document lists every route of the contract', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    const paths = Object.fromEntries(
      Object.entries(res.json().paths as Record<string, object>).map(([p, ops]) => [p, Object.keys(ops).sort()]),
    );

    expect(res.json().openapi).toMatch(/^3\./);
    expect(paths).toEqual({
      '/health': ['get'],
      '/api/v1/auth/register': ['post'],
      '/api/v1/auth/login': ['post'],
      '/api/v1/media/uploads': ['post'],
      '/api/v1/posts': ['post'],
      '/api/v1/posts/{id}': ['get'],
      '/api/v1/feed': ['get'],
      '/api/v1/posts/{id}/likes': ['delete', 'post'],
      '/api/v1/posts/{id}/comments': ['post'],
      '/api/v1/users/{username}': ['get'],
      '/api/v1/users/{username}/follow': ['delete', 'post'],
      '/api/v1/search': ['get'],
    });
  });

  test('metrics are in the Prometheus text format with the service counters', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'feed_cache_requests_total',
      'circuit_breaker_state{breaker="database"} ',
      'db_pool_connections{pool="writer",state="total"}',
      'posts_created_total',
      'media_uploads_issued_total{storage="local"}',
      'logins_total',
    ]) {
      expect(res.body).toContain(name);
    }
  });
});
