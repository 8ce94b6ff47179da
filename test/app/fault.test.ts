import type { InjectOptions } from 'fastify';
import type { Service } from '../../app/src/service';
import { TestPostgres, TestRedis } from './helpers/servers';
import { signUp, startService, uploadMedia } from './helpers/service';

// Fault tests: the real servers are killed and stopped under the running service, then brought back.
let pgServer: TestPostgres;
let redis: TestRedis;
let service: Service;
let alice: { id: string; authorization: string };
let bob: { id: string; authorization: string };

const BREAKER = { timeoutMs: 2_000, errorThresholdPercentage: 50, volumeThreshold: 3, resetTimeoutMs: 1_000 };

beforeAll(async () => {
  pgServer = await TestPostgres.start();
  redis = await TestRedis.start();
  service = await startService(pgServer, redis, {
    dbBreaker: BREAKER,
    redisBreaker: { ...BREAKER, timeoutMs: 250, resetTimeoutMs: 500 },
    healthTimeoutMs: 500,
  });
  alice = await signUp(service, 'alice');
  bob = await signUp(service, 'bob');
  await inject({ method: 'POST', url: '/api/v1/users/alice/follow', headers: { authorization: bob.authorization } });
  await post(alice.authorization, 'before the outage');
});

afterAll(async () => {
  await service?.close();
  await redis?.kill();
  await pgServer?.destroy();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const feed = () => inject({ method: 'GET', url: '/api/v1/feed', headers: { authorization: bob.authorization } });
const health = async () => (await inject({ method: 'GET', url: '/health' })).json();

async function post(authorization: string, caption: string) {
  const media = await uploadMedia(service, authorization);
  return inject({
    method: 'POST',
    url: '/api/v1/posts',
    headers: { authorization },
    payload: { caption, media: [media] },
  });
}

/** Polls `probe` until it returns true (the service recovers on its own; the test only waits). */
async function eventually(probe: () => Promise<boolean>, what: string, attempts = 60): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`never happened: ${what}`);
}

describe('Redis killed mid-run', () => {
  beforeAll(async () => {
    await feed(); // warm the cache and the last good copy
    await redis.kill();
  });

  test('the feed comes from PostgreSQL', async () => {
    const res = await feed();

    expect(res.statusCode).toBe(200);
    expect(res.headers['x-feed-source']).toBe('database');
    expect(res.json().items[0].caption).toBe('before the outage');
  });

  test('writes keep working', async () => {
    const created = await post(alice.authorization, 'during the cache outage');
    const like = await inject({
      method: 'POST',
      url: `/api/v1/posts/${created.json().id}/likes`,
      headers: { authorization: bob.authorization },
    });
    const after = await feed();

    expect(created.statusCode).toBe(201);
    expect(like.statusCode).toBe(200);
    expect(after.json().items[0].caption).toBe('during the cache outage');
  });

  test('health says degraded with the cache check failed', async () => {
    const res = await inject({ method: 'GET', url: '/health' });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'degraded', checks: { database: 'ok', cache: 'failed' } });
  });

  test('rate limits still hold per process', async () => {
    await signUp(service, 'dave');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'dave', password: 'wrong password' },
      });
      statuses.push(res.statusCode);
    }

    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });

  test('the service returns to the cache on its own when Redis comes back', async () => {
    await redis.restart();

    await eventually(async () => (await health()).status === 'healthy', 'health healthy again');
    await eventually(async () => (await feed()).headers['x-feed-source'] === 'cache', 'feed served from the cache');
  });
});

describe('PostgreSQL stopped', () => {
  beforeAll(async () => {
    await feed();
    pgServer.stop();
  });

  test('repeated failures open the breaker; every read gets 503', async () => {
    // The breaker opens when half of the calls in its 10 s window failed; the successes before the outage
    // count too, so it takes a few dozen failures here.
    const statuses = new Set<number>();
    for (let i = 0; i < 200 && service.context.db.writeBreaker.state !== 'open'; i++) {
      statuses.add((await inject({ method: 'GET', url: '/api/v1/posts/1' })).statusCode);
    }
    const whileOpen = await inject({ method: 'GET', url: '/api/v1/posts/1' });
    const metrics = await inject({ method: 'GET', url: '/metrics' });

    expect([...statuses]).toEqual([503]);
    expect(service.context.db.writeBreaker.state).toBe('open');
    expect(whileOpen.statusCode).toBe(503);
    expect(metrics.body).toMatch(/^circuit_breaker_state\{breaker="database"\} 2$/m);
  });

  test('writes get 503 SERVICE_UNAVAILABLE with Retry-After', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/users/alice/follow',
      headers: { authorization: alice.authorization },
    });

    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json().error.code).toBe('SERVICE_UNAVAILABLE');
  });

  test('the cached feed is still served while Redis is up', async () => {
    const res = await feed();

    expect(res.statusCode).toBe(200);
    expect(res.headers['x-feed-source']).toBe('cache');
  });

  test('with Redis down too, the last good feed is served and marked stale', async () => {
    await redis.kill();
    const res = await feed();

    expect(res.statusCode).toBe(200);
    expect(res.headers['x-feed-source']).toBe('stale');
    expect(res.headers.warning).toBe('110 - "Response is Stale"');
    expect(res.json().items[0].caption).toBe('during the cache outage');
  });

  test('health answers 503 unhealthy', async () => {
    const res = await inject({ method: 'GET', url: '/health' });

    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unhealthy', checks: { database: 'failed', cache: 'failed' } });
  });

  test('both recover on their own when the servers return', async () => {
    pgServer.startServer();
    await redis.restart();

    await eventually(async () => (await health()).status === 'healthy', 'health healthy again');
    await eventually(
      async () => (await inject({ method: 'GET', url: '/api/v1/users/alice' })).statusCode === 200,
      'reads served again',
    );
    const created = await post(alice.authorization, 'after the outage');

    expect(created.statusCode).toBe(201);
    expect(service.context.db.writeBreaker.state).toBe('closed');
    expect((await feed()).json().items[0].caption).toBe('after the outage');
  });
});
