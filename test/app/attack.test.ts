import type { FastifyError, FastifyRequest, InjectOptions } from 'fastify';
import { toAppError } from '../../app/src/app';
import type { Service } from '../../app/src/service';
import { TestPostgres, TestRedis } from './helpers/servers';
import { signUp, startService, TEST_JWT_SECRET, uploadMedia } from './helpers/service';
import { forgedTokens } from './helpers/tokens';

// The attack suite: hostile input in every field and parameter. Each attempt gets the right 4xx (never a
// 5xx), and afterwards the database holds exactly what the legitimate requests wrote.
let pgServer: TestPostgres;
let redis: TestRedis;
let service: Service;
let mallory: { id: string; authorization: string };
let victim: { id: string; authorization: string };
let victimPostId: string;
// A second attacker for the stored-XSS posts: mallory spends her hourly post budget on the injection attempts.
let eve: { id: string; authorization: string };

const SQLI = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '1; DELETE FROM posts',
  '" OR 1=1 --',
  "' UNION SELECT password_hash FROM users --",
  "admin'--",
  "%' OR 1=1 --",
  "'; SELECT pg_sleep(10); --",
];

beforeAll(async () => {
  pgServer = await TestPostgres.start();
  redis = await TestRedis.start();
  service = await startService(pgServer, redis);
  mallory = await signUp(service, 'mallory');
  victim = await signUp(service, 'victim');
  eve = await signUp(service, 'eve');
  const media = await uploadMedia(service, victim.authorization);
  const post = await service.app.inject({
    method: 'POST',
    url: '/api/v1/posts',
    headers: { authorization: victim.authorization },
    payload: { caption: 'the only legitimate post', media: [media] },
  });
  victimPostId = post.json().id;
});

afterAll(async () => {
  await service?.close();
  await redis?.kill();
  await pgServer?.destroy();
});

const inject = (options: InjectOptions) => service.app.inject(options);

function expectClientError(res: { statusCode: number; body: string }, status: number) {
  expect(res.statusCode).toBe(status);
  expect(res.body).not.toMatch(/SELECT|INSERT|pg_|stack|node_modules|at \w+ \(/);
}

describe('SQL injection', () => {
  test.each(SQLI)('in registration username and email fields: %s', async (attack) => {
    const asUsername = await inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { username: attack, email: 'x@example.com', password: 'long enough' },
    });
    const asEmail = await inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { username: 'attacker', email: attack, password: 'long enough' },
    });

    expectClientError(asUsername, 400);
    expect(asUsername.json().error.field).toBe('username');
    expectClientError(asEmail, 400);
    expect(asEmail.json().error.field).toBe('email');
  });

  test.each(SQLI)('in the login username: %s', async (attack) => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: attack, password: 'long enough' },
    });

    expectClientError(res, 400);
  });

  test.each(SQLI.filter((a) => a.length >= 8))('in the login password: %s', async (attack) => {
    // A fresh username per attempt: five attempts on one name would hit the login limit first.
    const username = `ghost_${SQLI.indexOf(attack)}`;
    const res = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: attack } });

    expectClientError(res, 401);
  });

  test.each(SQLI)('in path, query and media parameters: %s', async (attack) => {
    const q = encodeURIComponent(attack);
    const auth = { authorization: mallory.authorization };
    const responses = await Promise.all([
      inject({ method: 'GET', url: `/api/v1/posts/${q}` }),
      inject({ method: 'POST', url: `/api/v1/posts/${q}/likes`, headers: auth }),
      inject({ method: 'POST', url: `/api/v1/posts/${q}/comments`, headers: auth, payload: { text: 'hi' } }),
      inject({ method: 'GET', url: `/api/v1/users/${q}` }),
      inject({ method: 'POST', url: `/api/v1/users/${q}/follow`, headers: auth }),
      inject({ method: 'GET', url: `/api/v1/feed?cursor=${q}`, headers: auth }),
      inject({ method: 'GET', url: `/api/v1/feed?limit=${q}`, headers: auth }),
      inject({ method: 'POST', url: '/api/v1/media/uploads', headers: auth, payload: { mimetype: attack, size: 10 } }),
      inject({
        method: 'POST',
        url: '/api/v1/posts',
        headers: auth,
        payload: { caption: 'x', media: [{ key: attack, mimetype: 'image/jpeg', size: 10 }] },
      }),
    ]);

    for (const res of responses) expectClientError(res, 400);
  });

  test.each(SQLI)('in search terms, which are data: %s', async (attack) => {
    const res = await inject({ method: 'GET', url: `/api/v1/search?q=${encodeURIComponent(attack)}` });

    expect(res.statusCode).toBe(200);
    expect(res.json().users).toEqual([]);
    expect(res.json().posts.map((p: { id: string }) => p.id)).not.toContain(undefined);
  });

  test('in captions and comments, stored verbatim as text', async () => {
    const media = await uploadMedia(service, mallory.authorization);
    const caption = SQLI[1];
    const post = await inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { authorization: mallory.authorization },
      payload: { caption, media: [media] },
    });
    const comment = await inject({
      method: 'POST',
      url: `/api/v1/posts/${victimPostId}/comments`,
      headers: { authorization: mallory.authorization },
      payload: { text: SQLI[0] },
    });
    const [stored] = await pgServer.sql<{ caption: string }>('SELECT caption FROM posts WHERE id = $1', [
      post.json().id,
    ]);
    const [storedComment] = await pgServer.sql<{ text: string }>('SELECT text FROM comments WHERE id = $1', [
      comment.json().id,
    ]);

    expect(post.statusCode).toBe(201);
    expect(stored.caption).toBe(caption);
    expect(storedComment.text).toBe(SQLI[0]);
  });
});

describe('stored XSS', () => {
  test.each([
    ['<script>alert(1)</script>hello', 'hello'],
    ['<img src=x onerror=alert(1)>pic', 'pic'],
    ['<a href="javascript:alert(1)">click</a>', 'click'],
    ['<svg/onload=alert(1)>x', 'x'],
    ['"><iframe src=//evil></iframe>y', '"&gt;y'],
    ['<<script>script>alert(1)<</script>/script>', '&lt;/script&gt;'],
  ])('caption %s is stored as %s', async (caption, expected) => {
    const media = await uploadMedia(service, eve.authorization);
    const res = await inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { authorization: eve.authorization },
      payload: { caption, media: [media] },
    });
    const [stored] = await pgServer.sql<{ caption: string }>('SELECT caption FROM posts WHERE id = $1', [
      res.json().id,
    ]);
    const read = await inject({ method: 'GET', url: `/api/v1/posts/${res.json().id}` });

    expect(res.statusCode).toBe(201);
    expect(stored.caption).toBe(expected);
    expect(read.json().caption).toBe(expected);
    expect(read.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('tokens', () => {
  test.each([
    'algNone',
    'wrongKey',
    'hs512',
    'tamperedPayload',
    'expired',
    'farFutureExpiry',
    'futureIssuedAt',
    'noIssuedAt',
  ] as const)('a %s token cannot write', async (kind) => {
    const tokens = await forgedTokens(TEST_JWT_SECRET, victim.id, 'victim');
    const media = await uploadMedia(service, victim.authorization);

    const res = await inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { authorization: `Bearer ${tokens[kind]}` },
      payload: { caption: 'forged', media: [media] },
    });

    expectClientError(res, 401);
  });
});

describe('brute force', () => {
  test('the sixth login within 15 minutes gets 429, even with the right password', async () => {
    await signUp(service, 'target');
    const attempt = (password: string) =>
      inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'TARGET', password } });
    // signUp logged in once already: four wrong guesses make five attempts.
    const guesses = [];
    for (let i = 0; i < 4; i++) guesses.push((await attempt(`wrong guess ${i}`)).statusCode);
    const sixth = await attempt('correct horse battery');

    expect(guesses).toEqual([401, 401, 401, 401]);
    expectClientError(sixth, 429);
    expect(sixth.json().error.code).toBe('RATE_LIMITED');
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(800);
    expect(Number(sixth.headers['retry-after'])).toBeLessThanOrEqual(900);
  });
});

describe('bodies', () => {
  test.each([
    ['a 1 MB caption', () => JSON.stringify({ caption: 'x'.repeat(1024 * 1024), media: [] }), 413],
    ['truncated JSON', () => '{"caption": "x", "media": [', 400],
    ['an array body', () => '[]', 400],
    ['null', () => 'null', 400],
    ['an operator object as caption', () => JSON.stringify({ caption: { $ne: null }, media: [] }), 400],
    ['a __proto__ key', () => '{"__proto__": {"admin": true}, "caption": "x", "media": []}', 400],
    ['a constructor.prototype key', () => '{"constructor": {"prototype": {"admin": true}}, "caption": "x"}', 400],
  ])('%s gets %s', async (_case, body, status) => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { authorization: mallory.authorization, 'content-type': 'application/json' },
      payload: body(),
    });

    expectClientError(res, status);
  });

  test('an oversized registration gets 413 and creates nobody', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { username: 'bigbody', email: 'big@example.com', password: 'p'.repeat(100_000) },
    });

    expectClientError(res, 413);
  });
});

describe('NUL bytes, which PostgreSQL cannot store', () => {
  const NUL = 'a\u0000b';

  test.each([
    ['username', '/api/v1/auth/register', { username: NUL, email: 'nul@example.com', password: 'long enough' }],
    [
      'email',
      '/api/v1/auth/register',
      { username: 'nul_user', email: `nul${NUL}@example.com`, password: 'long enough' },
    ],
    ['password', '/api/v1/auth/register', { username: 'nul_user', email: 'nul@example.com', password: `long ${NUL}` }],
    ['username', '/api/v1/auth/login', { username: NUL, password: 'long enough' }],
  ])('in %s at %s gets 400 naming it', async (field, url, payload) => {
    const res = await inject({ method: 'POST', url, payload });

    expectClientError(res, 400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    expect(res.json().error.message).toContain(field);
  });

  test('in a caption, a comment and a media key gets 400 naming the field and says NUL is not allowed', async () => {
    const auth = { authorization: mallory.authorization };
    const media = await uploadMedia(service, mallory.authorization);
    const caption = await inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: auth,
      payload: { caption: NUL, media: [media] },
    });
    const key = await inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: auth,
      payload: { caption: 'ok', media: [{ ...media, key: `${media.key}\u0000` }] },
    });
    const comment = await inject({
      method: 'POST',
      url: `/api/v1/posts/${victimPostId}/comments`,
      headers: auth,
      payload: { text: NUL },
    });

    for (const [res, field] of [
      [caption, 'caption'],
      [key, 'media/0/key'],
      [comment, 'text'],
    ] as const) {
      expectClientError(res, 400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
      expect(res.json().error.message).toBe(
        `${field} must not contain NUL characters (\\u0000); any other text is allowed`,
      );
    }
  });

  test('in the search terms gets 400 naming q', async () => {
    const res = await inject({ method: 'GET', url: `/api/v1/search?q=${encodeURIComponent(NUL)}` });

    expectClientError(res, 400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'q' });
  });

  test.each(['22021', '22P05'])('PostgreSQL error %s reaching the handler maps to VALIDATION_FAILED', (code) => {
    const err = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code });
    const log = { warn: () => {}, info: () => {}, error: () => {} };
    const mapped = toAppError(err as unknown as FastifyError, { log } as unknown as FastifyRequest);

    expect(mapped.status).toBe(400);
    expect(mapped.toBody().error.code).toBe('VALIDATION_FAILED');
    expect(mapped.message).not.toMatch(/UTF8|0x00|encoding/);
  });
});

describe('bodies are not coerced', () => {
  test.each([
    ['username', { username: 12345, email: 'coerce@example.com', password: 'long enough' }],
    ['username', { username: ['abcde'], email: 'coerce@example.com', password: 'long enough' }],
    ['email', { username: 'coerce', email: ['coerce@example.com'], password: 'long enough' }],
    ['password', { username: 'coerce', email: 'coerce@example.com', password: 123456789 }],
  ])('registration with a non-string %s gets 400 naming it', async (field, payload) => {
    const res = await inject({ method: 'POST', url: '/api/v1/auth/register', payload });

    expectClientError(res, 400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    expect(res.json().error.message).toBe(`${field} must be string`);
  });

  test.each([
    ['size', { mimetype: 'image/jpeg', size: true }],
    ['size', { mimetype: 'image/jpeg', size: '100' }],
    ['mimetype', { mimetype: ['image/jpeg'], size: [5] }],
  ])('an upload with a non-native %s gets 400 naming it', async (field, payload) => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/media/uploads',
      headers: { authorization: mallory.authorization },
      payload,
    });

    expectClientError(res, 400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
  });

  test('query strings are still read as their types', async () => {
    const res = await inject({
      method: 'GET',
      url: '/api/v1/feed?limit=5',
      headers: { authorization: mallory.authorization },
    });

    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual(expect.any(Array));
  });
});

describe('messages name the field and what is allowed', () => {
  test('an extra property is named', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { username: 'extra', email: 'extra@example.com', password: 'long enough', admin: true },
    });

    expectClientError(res, 400);
    expect(res.json().error).toEqual({
      code: 'VALIDATION_FAILED',
      field: 'admin',
      message: 'admin is not an allowed property of body',
    });
  });

  test('a bad mimetype lists the allowed types', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/media/uploads',
      headers: { authorization: mallory.authorization },
      payload: { mimetype: 'image/gif', size: 10 },
    });

    expectClientError(res, 400);
    expect(res.json().error).toEqual({
      code: 'VALIDATION_FAILED',
      field: 'mimetype',
      message: 'mimetype must be one of "image/jpeg", "image/png", "video/mp4"',
    });
  });

  test('a text/plain body gets 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'content-type': 'text/plain' },
      payload: 'username=plain&password=long enough',
    });

    expectClientError(res, 415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('bcrypt reads 72 bytes', () => {
  test('a password over 72 bytes in UTF-8 is refused at registration, naming password and the byte limit', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { username: 'emoji_pw', email: 'emoji@example.com', password: '\u{1F600}'.repeat(70) },
    });

    expectClientError(res, 400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'password' });
    expect(res.json().error.message).toContain('at most 72 bytes');
  });

  test('a login password over 72 bytes never matches, even when its first 72 bytes are the password', async () => {
    const password = '\u00e9'.repeat(36); // 72 bytes, 36 characters: allowed
    const register = await inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { username: 'bytes72', email: 'bytes72@example.com', password },
    });
    const longer = await inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'bytes72', password: `${password}\u00e9` },
    });
    const exact = await inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'bytes72', password },
    });

    expect(register.statusCode).toBe(201);
    expectClientError(longer, 401);
    expect(longer.json().error.code).toBe('INVALID_CREDENTIALS');
    expect(exact.statusCode).toBe(200);
  });
});

describe('afterwards', () => {
  test('the database holds exactly what the legitimate requests wrote', async () => {
    const users = await pgServer.sql<{ username: string }>('SELECT username FROM users ORDER BY id');
    const posts = await pgServer.sql<{ author: string; caption: string }>(
      'SELECT u.username AS author, p.caption FROM posts p JOIN users u ON u.id = p.user_id ORDER BY p.id',
    );
    const comments = await pgServer.sql<{ text: string }>('SELECT text FROM comments ORDER BY id');
    const [others] = await pgServer.sql<{ likes: number; follows: number }>(
      'SELECT (SELECT count(*)::int FROM likes) AS likes, (SELECT count(*)::int FROM follows) AS follows',
    );

    expect(users.map((u) => u.username)).toEqual(['mallory', 'victim', 'eve', 'target', 'bytes72']);
    expect(posts).toEqual([
      { author: 'victim', caption: 'the only legitimate post' },
      { author: 'mallory', caption: "'; DROP TABLE users; --" },
      { author: 'eve', caption: 'hello' },
      { author: 'eve', caption: 'pic' },
      { author: 'eve', caption: 'click' },
      { author: 'eve', caption: 'x' },
      { author: 'eve', caption: '"&gt;y' },
      { author: 'eve', caption: '&lt;/script&gt;' },
    ]);
    expect(comments).toEqual([{ text: "' OR '1'='1" }]);
    expect(others).toEqual({ likes: 0, follows: 0 });
  });
});
