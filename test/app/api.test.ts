import type { InjectOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { Service } from '../../app/src/service';
import { TestPostgres, TestRedis } from './helpers/servers';
import { signUp, startService, uploadMedia } from './helpers/service';

// Integration tests: the service over a real PostgreSQL and a real redis-server, through inject.
let pgServer: TestPostgres;
let redis: TestRedis;
let service: Service;

beforeAll(async () => {
  pgServer = await TestPostgres.start();
  redis = await TestRedis.start();
  service = await startService(pgServer, redis);
});

afterAll(async () => {
  await service?.close();
  await redis?.kill();
  await pgServer?.destroy();
});

const inject = (options: InjectOptions) => service.app.inject(options);

async function createPost(authorization: string, caption: string) {
  const media = await uploadMedia(service, authorization);
  const res = await inject({
    method: 'POST',
    url: '/api/v1/posts',
    headers: { authorization },
    payload: { caption, media: [media] },
  });
  if (res.statusCode !== 201) throw new Error(`post: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string };
}

/** The feed cache counters (hit, miss, stale) as the metrics registry holds them now. */
async function feedCacheCounts(): Promise<Record<'hit' | 'miss' | 'stale', number>> {
  const { values } = await service.context.metrics.feedCache.get();
  const count = (result: string) => values.find((v) => v.labels.result === result)?.value ?? 0;
  return { hit: count('hit'), miss: count('miss'), stale: count('stale') };
}

describe('accounts', () => {
  test('registration stores a bcrypt hash (cost 10) and never returns it', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { username: 'Erin_1', email: 'Erin@Example.com', password: 'a long passphrase' },
    });
    const [row] = await pgServer.sql<{ password_hash: string }>(
      "SELECT password_hash FROM users WHERE username = 'Erin_1'",
    );

    expect(res.statusCode).toBe(201);
    expect(Object.keys(res.json()).sort()).toEqual(['createdAt', 'email', 'id', 'username']);
    expect(res.json()).toMatchObject({ username: 'Erin_1', email: 'erin@example.com' });
    expect(row.password_hash).toMatch(/^\$2[ab]\$10\$.{53}$/);
    expect(res.body).not.toContain(row.password_hash);
  });

  test.each([
    ['username', { username: 'erin_1', email: 'other@example.com' }],
    ['email', { username: 'erin_2', email: 'ERIN@example.com' }],
  ])('a taken %s (any case) gets 409', async (field, fields) => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { ...fields, password: 'another passphrase' },
    });

    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'CONFLICT', field });
  });

  test('login answers a wrong password and an unknown user the same way', async () => {
    const wrong = await inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'Erin_1', password: 'not the passphrase' },
    });
    const unknown = await inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'nobody_here', password: 'whatever it is' },
    });

    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
  });

  test('login returns a token that authenticates the user', async () => {
    const login = await inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'Erin_1', password: 'a long passphrase' },
    });
    const upload = await inject({
      method: 'POST',
      url: '/api/v1/media/uploads',
      headers: { authorization: `Bearer ${login.json().token}` },
      payload: { mimetype: 'image/png', size: 2048 },
    });

    expect(login.statusCode).toBe(200);
    expect(Date.parse(login.json().expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    expect(upload.statusCode).toBe(201);
  });
});

describe('posts, feed, likes, comments, follows', () => {
  let alice: { id: string; authorization: string };
  let bob: { id: string; authorization: string };

  beforeAll(async () => {
    alice = await signUp(service, 'alice');
    bob = await signUp(service, 'bob');
  });

  test('the feed holds the posts of followed users, newest first, page by page', async () => {
    const follow = await inject({
      method: 'POST',
      url: '/api/v1/users/alice/follow',
      headers: { authorization: bob.authorization },
    });
    const first = await createPost(alice.authorization, 'first');
    const second = await createPost(alice.authorization, 'second');
    const third = await createPost(alice.authorization, 'third');
    await createPost(bob.authorization, 'bob posts do not appear in his own feed');

    const page1 = await inject({
      method: 'GET',
      url: '/api/v1/feed?limit=2',
      headers: { authorization: bob.authorization },
    });
    const page2 = await inject({
      method: 'GET',
      url: `/api/v1/feed?limit=2&cursor=${page1.json().nextCursor}`,
      headers: { authorization: bob.authorization },
    });

    expect(follow.json()).toEqual({ username: 'alice', following: true });
    expect(page1.json().items.map((p: { id: string }) => p.id)).toEqual([third.id, second.id]);
    expect(page1.json().items[0]).toMatchObject({ author: 'alice', caption: 'third' });
    expect(page2.json().items.map((p: { id: string }) => p.id)).toEqual([first.id]);
    expect(page2.json().nextCursor).toBeNull();
  });

  test('the feed is cached, and a new post by a followed user invalidates it', async () => {
    const read = () => inject({ method: 'GET', url: '/api/v1/feed', headers: { authorization: bob.authorization } });
    await read();
    const cached = await read();
    const post = await createPost(alice.authorization, 'fresh');
    const afterPost = await read();

    expect(cached.headers['x-feed-source']).toBe('cache');
    expect(afterPost.headers['x-feed-source']).toBe('database');
    expect(afterPost.json().items[0].id).toBe(post.id);
  });

  test('a feed read sends its rate-limit count and its cache read to Redis in one write', async () => {
    const read = () => inject({ method: 'GET', url: '/api/v1/feed', headers: { authorization: bob.authorization } });
    await read();
    const write = jest.spyOn((service.context.redis as Redis).stream, 'write');
    const cached = await read();
    const writes = write.mock.calls.map(([chunk]) => String(chunk));
    write.mockRestore();

    expect(cached.headers['x-feed-source']).toBe('cache');
    expect(writes.filter((w) => /evalsha/i.test(w) && /hget/i.test(w))).toHaveLength(1);
  });

  test('the feed counts a hit for a page the read-ahead found and a miss for one it did not', async () => {
    const read = () => inject({ method: 'GET', url: '/api/v1/feed', headers: { authorization: bob.authorization } });
    await service.context.cache.invalidate([bob.id]);
    const before = await feedCacheCounts();
    const miss = await read();
    const hit = await read();
    const after = await feedCacheCounts();

    expect([miss.headers['x-feed-source'], hit.headers['x-feed-source']]).toEqual(['database', 'cache']);
    expect(after.miss - before.miss).toBe(1);
    expect(after.hit - before.hit).toBe(1);
    expect(hit.body).toBe(miss.body);
  });

  test('a feed read over the API limit gets 429 and no page, although its cache read was started', async () => {
    const limitKey = `rl:api:user:${bob.id}`;
    await inject({ method: 'GET', url: '/api/v1/feed', headers: { authorization: bob.authorization } });
    await service.context.redis?.set(limitKey, '5000', 'EX', 3600);
    const cacheRead = jest.spyOn(service.context.cache, 'get');
    const before = await feedCacheCounts();
    const refused = await inject({ method: 'GET', url: '/api/v1/feed', headers: { authorization: bob.authorization } });
    const after = await feedCacheCounts();
    const reads = cacheRead.mock.calls.length;
    cacheRead.mockRestore();
    await service.context.redis?.del(limitKey);

    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({
      error: { code: 'RATE_LIMITED', message: expect.stringMatching(/^too many api requests; retry in \d+ s$/) },
    });
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.headers['x-feed-source']).toBeUndefined();
    expect(reads).toBe(1);
    expect(after).toEqual(before);
  });

  test.each([
    ['a limit over 50', '/api/v1/feed?limit=51', () => bob.authorization, 400],
    ['a cursor that is no id', '/api/v1/feed?cursor=abc', () => bob.authorization, 400],
    ['an unknown query key', '/api/v1/feed?page=2', () => bob.authorization, 400],
    ['a token that does not verify', '/api/v1/feed', () => `${bob.authorization}x`, 401],
  ])('a feed request with %s starts no cache read and counts nothing', async (_what, url, authorization, status) => {
    const cacheRead = jest.spyOn(service.context.cache, 'get');
    const before = await feedCacheCounts();
    const res = await inject({ method: 'GET', url, headers: { authorization: authorization() } });
    const after = await feedCacheCounts();
    const reads = cacheRead.mock.calls.length;
    cacheRead.mockRestore();

    expect(res.statusCode).toBe(status);
    expect(res.headers['x-feed-source']).toBeUndefined();
    expect(res.body).not.toContain('"items"');
    expect(reads).toBe(0);
    expect(after).toEqual(before);
  });

  test('unfollowing empties the feed at once', async () => {
    const unfollow = await inject({
      method: 'DELETE',
      url: '/api/v1/users/alice/follow',
      headers: { authorization: bob.authorization },
    });
    const again = await inject({
      method: 'DELETE',
      url: '/api/v1/users/alice/follow',
      headers: { authorization: bob.authorization },
    });
    const feed = await inject({ method: 'GET', url: '/api/v1/feed', headers: { authorization: bob.authorization } });
    await inject({ method: 'POST', url: '/api/v1/users/alice/follow', headers: { authorization: bob.authorization } });

    expect(unfollow.json()).toEqual({ username: 'alice', following: false });
    expect(again.statusCode).toBe(200);
    expect(feed.json()).toEqual({ items: [], nextCursor: null });
  });

  test('likes and comments are counted on the post; liking twice counts once', async () => {
    const post = await createPost(alice.authorization, 'count me');
    const url = `/api/v1/posts/${post.id}`;
    await inject({ method: 'POST', url: `${url}/likes`, headers: { authorization: bob.authorization } });
    await inject({ method: 'POST', url: `${url}/likes`, headers: { authorization: bob.authorization } });
    await inject({ method: 'POST', url: `${url}/likes`, headers: { authorization: alice.authorization } });
    const comment = await inject({
      method: 'POST',
      url: `${url}/comments`,
      headers: { authorization: bob.authorization },
      payload: { text: 'nice <i>shot</i>' },
    });
    const counted = await inject({ method: 'GET', url });
    await inject({ method: 'DELETE', url: `${url}/likes`, headers: { authorization: bob.authorization } });
    const unliked = await inject({ method: 'GET', url });

    expect(comment.statusCode).toBe(201);
    expect(comment.json()).toMatchObject({ postId: post.id, author: 'bob', text: 'nice shot' });
    expect(counted.json()).toMatchObject({ id: post.id, author: 'alice', caption: 'count me', likes: 2, comments: 1 });
    expect(unliked.json().likes).toBe(1);
  });

  test.each([
    ['GET', '/api/v1/posts/999999'],
    ['POST', '/api/v1/posts/999999/likes'],
    ['GET', '/api/v1/users/nobody_here'],
    ['POST', '/api/v1/users/nobody_here/follow'],
  ])('%s %s gets 404', async (method, url) => {
    const res = await inject({ method: method as 'GET', url, headers: { authorization: bob.authorization } });

    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  test('following yourself gets 400', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/users/bob/follow',
      headers: { authorization: bob.authorization },
    });

    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('username');
  });

  test('the profile counts posts, followers and following', async () => {
    const res = await inject({ method: 'GET', url: '/api/v1/users/alice' });
    const [expected] = await pgServer.sql<{ posts: number }>(
      "SELECT count(*)::int AS posts FROM posts WHERE user_id = (SELECT id FROM users WHERE username = 'alice')",
    );

    expect(res.json()).toMatchObject({ username: 'alice', posts: expected.posts, followers: 1, following: 0 });
    expect(res.json()).not.toHaveProperty('email');
  });

  test('search finds users by prefix and posts by caption words', async () => {
    const res = await inject({ method: 'GET', url: '/api/v1/search?q=fresh' });
    const users = await inject({ method: 'GET', url: '/api/v1/search?q=al' });

    expect(res.json().posts).toEqual([expect.objectContaining({ author: 'alice', caption: 'fresh' })]);
    expect(users.json().users).toEqual([{ username: 'alice' }]);
  });

  test('registrations, posts, likes and follows write their events to the outbox in the same transaction', async () => {
    const events = await pgServer.sql<{ topic: string; n: number }>(
      'SELECT topic, count(*)::int AS n FROM outbox GROUP BY topic ORDER BY topic',
    );
    const [counts] = await pgServer.sql<{ users: number; posts: number; likes: number; follows: number }>(
      `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM posts) AS posts,
              (SELECT count(*)::int FROM likes) + 1 AS likes, (SELECT count(*)::int FROM follows) + 1 AS follows`,
    );

    // One like and one follow were undone since (their events stay: events are facts).
    expect(events).toEqual([
      { topic: 'follows.created', n: counts.follows },
      { topic: 'likes.created', n: counts.likes },
      { topic: 'posts.created', n: counts.posts },
      { topic: 'users.created', n: counts.users },
    ]);
  });
});

describe('rate limits', () => {
  test('the eleventh post within an hour gets 429 with Retry-After and rate-limit headers', async () => {
    const carol = await signUp(service, 'carol');
    const media = await uploadMedia(service, carol.authorization);
    const post = () =>
      inject({
        method: 'POST',
        url: '/api/v1/posts',
        headers: { authorization: carol.authorization },
        payload: { caption: 'x', media: [media] },
      });
    const statuses: number[] = [];
    let last = await post();
    statuses.push(last.statusCode);
    for (let i = 1; i < 11; i++) {
      last = await post();
      statuses.push(last.statusCode);
    }
    const [stored] = await pgServer.sql<{ n: number }>('SELECT count(*)::int AS n FROM posts WHERE user_id = $1', [
      carol.id,
    ]);

    expect(statuses).toEqual([...Array(10).fill(201), 429]);
    expect(last.json().error.code).toBe('RATE_LIMITED');
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(3500);
    expect(last.headers['ratelimit-limit']).toBe('10');
    expect(last.headers['ratelimit-remaining']).toBe('0');
    expect(stored.n).toBe(10);
  });

  test('limits are counted in Redis, shared by every instance', async () => {
    const keys = (await service.context.redis?.keys('rl:post:*')) ?? [];

    expect(keys.length).toBeGreaterThan(0);
  });
});

describe('operations', () => {
  test('health is healthy with every check ok', async () => {
    const res = await inject({ method: 'GET', url: '/health' });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'healthy',
      checks: { database: 'ok', cache: 'ok', disk: 'ok' },
      breakers: { database: 'closed', redis: 'closed' },
    });
  });

  test('metrics count business events and cache results', async () => {
    const res = await inject({ method: 'GET', url: '/metrics' });

    expect(res.body).toMatch(/^posts_created_total [1-9]\d*$/m);
    expect(res.body).toMatch(/^logins_total\{result="success"\} [1-9]\d*$/m);
    expect(res.body).toMatch(/^logins_total\{result="failure"\} [1-9]\d*$/m);
    expect(res.body).toMatch(/^feed_cache_requests_total\{result="hit"\} [1-9]\d*$/m);
    expect(res.body).toMatch(/^feed_cache_requests_total\{result="miss"\} [1-9]\d*$/m);
    expect(res.body).toMatch(/^http_requests_total\{method="POST",route="\/api\/v1\/posts",status="429"\} 1$/m);
  });

  test('migrations are recorded and a second start applies none', async () => {
    const second = await startService(pgServer, redis);
    await second.close();
    const applied = await pgServer.sql<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id');

    expect(applied.map((m) => m.name)).toEqual(['0001_initial_schema', '0002_outbox_search_stream']);
  });
});
