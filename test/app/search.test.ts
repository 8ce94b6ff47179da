import type { InjectOptions } from 'fastify';
import { Breaker } from '../../app/src/breaker';
import { MIGRATIONS } from '../../app/src/db/migrations';
import { Metrics } from '../../app/src/metrics';
import { OpenSearchIndex } from '../../app/src/search';
import type { Service } from '../../app/src/service';
import { createTestCertificate, type TestCertificate } from './helpers/certificate';
import { FakeOpenSearch } from './helpers/fake-opensearch';
import { TestPostgres } from './helpers/servers';
import { signUp, startService, uploadMedia } from './helpers/service';

// No real OpenSearch runs here (no Docker, no network on this machine). These tests run the service against
// FakeOpenSearch (helpers/fake-opensearch.ts): a small local HTTPS server that speaks only the part of the
// OpenSearch REST API the service uses (ping, index creation, _bulk, _search with the two query shapes sent) and
// checks every request's SigV4 signature. They show what the service sends, that users and posts reach the index
// through the outbox, and how search falls back to PostgreSQL; they cannot show how a real cluster analyzes text.
// PostgreSQL is real.

const CREDENTIALS = { accessKeyId: 'AKIDPHOTOPLATFORMTEST', secretAccessKey: 'secret-access-key-of-the-tests-only' };
const REGION = 'us-east-1';
const SAVED_ENV = { ...process.env };

let certificate: TestCertificate;
let fake: FakeOpenSearch;
let pgServer: TestPostgres;
/** The service with OPENSEARCH_ENDPOINT set. */
let service: Service;
/** The same database without OpenSearch: the reference answers. */
let reference: Service;

beforeAll(async () => {
  // The default AWS credential chain reads these first; the metadata service (off the loopback) is never asked.
  process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;

  certificate = createTestCertificate();
  [fake, pgServer] = await Promise.all([FakeOpenSearch.start(certificate, CREDENTIALS, REGION), TestPostgres.start()]);
  service = await startService(
    pgServer,
    undefined,
    {
      opensearchTls: { ca: certificate.pem },
      opensearchBreaker: { timeoutMs: 2_000, errorThresholdPercentage: 50, volumeThreshold: 3, resetTimeoutMs: 1_000 },
      searchTimeoutMs: 300,
      healthTimeoutMs: 500,
      outboxPollMs: 100,
    },
    { OPENSEARCH_ENDPOINT: fake.endpoint, AWS_REGION: REGION },
  );
  reference = await startService(pgServer);
});

afterAll(async () => {
  await service?.close();
  await reference?.close();
  await fake?.stop();
  await pgServer?.destroy();
  certificate?.remove();
  process.env = SAVED_ENV;
});

const search = (instance: Service, q: string) =>
  instance.app.inject({ method: 'GET', url: `/api/v1/search?q=${encodeURIComponent(q)}` });
const health = async () => (await service.app.inject({ method: 'GET', url: '/health' })).json();
const inject = (options: InjectOptions) => service.app.inject(options);

async function post(authorization: string, caption: string): Promise<string> {
  const media = await uploadMedia(service, authorization);
  const res = await inject({
    method: 'POST',
    url: '/api/v1/posts',
    headers: { authorization },
    payload: { caption, media: [media] },
  });
  if (res.statusCode !== 201) throw new Error(`post: ${res.statusCode} ${res.body}`);
  return res.json().id;
}

async function eventually(probe: () => boolean | Promise<boolean>, what: string, attempts = 80): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never happened: ${what}`);
}

const indexed = (index: string, field: string, value: string) => fake.documents(index).some((d) => d[field] === value);

/** Outbox events of the search stream that are not indexed yet. */
const unindexed = async () =>
  (
    await pgServer.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox WHERE indexed_at IS NULL AND topic IN ('posts.created', 'users.created')",
    )
  )[0].n;

let ann: { id: string; authorization: string };
const postIds: string[] = [];

describe('OpenSearch up', () => {
  test('registrations and posts reach the index through the outbox, in requests signed with SigV4', async () => {
    ann = await signUp(service, 'ann');
    const anna = await signUp(service, 'anna');
    await signUp(service, 'annabel');
    await signUp(service, 'bob');
    postIds.push(await post(ann.authorization, 'Sunset over the harbour'));
    postIds.push(await post(anna.authorization, 'sunset at the beach, again'));
    postIds.push(await post(ann.authorization, 'Morning coffee'));

    await eventually(() => fake.documents('posts').length === 3 && fake.documents('users').length === 4, 'indexed');

    expect(fake.documents('users').map((d) => d.username)).toEqual(['ann', 'anna', 'annabel', 'bob']);
    expect(fake.documents('posts').sort((a, b) => Number(a.id) - Number(b.id))).toEqual([
      { id: postIds[0], author: 'ann', caption: 'Sunset over the harbour', createdAt: expect.any(String) },
      { id: postIds[1], author: 'anna', caption: 'sunset at the beach, again', createdAt: expect.any(String) },
      { id: postIds[2], author: 'ann', caption: 'Morning coffee', createdAt: expect.any(String) },
    ]);
    expect(await unindexed()).toBe(0);
    // The search stream stamps indexed_at only: published_at is the Kafka stream's, which does not run here.
    expect(await pgServer.sql('SELECT id FROM outbox WHERE published_at IS NOT NULL')).toEqual([]);
    const created = fake.requests.filter((r) => r.method === 'PUT').map((r) => [r.path, JSON.parse(r.body)]);
    expect(created).toEqual([
      ['/users', { mappings: expect.objectContaining({ dynamic: 'strict' }) }],
      ['/posts', { mappings: expect.objectContaining({ dynamic: 'strict' }) }],
    ]);
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(fake.requests.every((r) => r.signatureValid)).toBe(true);
    expect(fake.requests[0].headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/\\d{8}/us-east-1/es/aws4_request, `),
    );
  });

  test.each(['ann', 'ANNA', 'sunset', 'SUNSET harbour', 'beach again', 'coffee morning', 'b', 'nothing matches'])(
    'search %p answers from OpenSearch exactly what the PostgreSQL search answers',
    async (q) => {
      const fromOpenSearch = await search(service, q);
      const fromPostgres = await search(reference, q);

      expect(fromOpenSearch.statusCode).toBe(200);
      expect(fromOpenSearch.headers['x-search-source']).toBe('opensearch');
      expect(fromPostgres.headers['x-search-source']).toBe('database');
      expect(fromOpenSearch.json()).toEqual(fromPostgres.json());
    },
  );

  test('the queries sent are a case-insensitive name prefix and all caption words, newest first', async () => {
    const before = fake.requests.length;
    await search(service, 'Sunset');
    const sent = fake.requests.slice(before).map((r) => [r.path, JSON.parse(r.body)]);

    expect(sent).toEqual([
      [
        '/users/_search',
        {
          size: 20,
          _source: ['username'],
          query: { prefix: { username: { value: 'Sunset', case_insensitive: true } } },
          sort: [{ username: { order: 'asc' } }],
        },
      ],
      [
        '/posts/_search',
        {
          size: 20,
          _source: ['id', 'author', 'caption'],
          query: { match: { caption: { query: 'Sunset', operator: 'and' } } },
          sort: [{ id: { order: 'desc' } }],
        },
      ],
    ]);
  });

  test('a slow OpenSearch is abandoned after the search timeout for PostgreSQL', async () => {
    fake.delayMs = 2_000;
    try {
      const res = await search(service, 'sunset');

      // The fake answers only after 2 s: had the service waited for it, OpenSearch would have answered.
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-search-source']).toBe('database');
      expect(res.json()).toEqual((await search(reference, 'sunset')).json());
    } finally {
      fake.delayMs = 0;
    }
  });

  test('health reports the opensearch check and breaker', async () => {
    await eventually(async () => (await health()).breakers.opensearch === 'closed', 'breaker closed');

    expect(await health()).toMatchObject({
      status: 'healthy',
      checks: { database: 'ok', opensearch: 'ok' },
      breakers: { opensearch: 'closed' },
    });
  });
});

describe('OpenSearch down', () => {
  let carolPost: string;

  beforeAll(async () => {
    await fake.stop();
  });

  test('registrations and posts still succeed; their events wait in the outbox', async () => {
    const carol = await signUp(service, 'carol');
    carolPost = await post(carol.authorization, 'rainy harbour walk');
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(await unindexed()).toBe(2);
    expect(indexed('users', 'username', 'carol')).toBe(false);
  });

  test('search answers from PostgreSQL, new post included, same body', async () => {
    const res = await search(service, 'harbour');

    expect(res.statusCode).toBe(200);
    expect(res.headers['x-search-source']).toBe('database');
    expect(res.json()).toEqual((await search(reference, 'harbour')).json());
    expect(res.json().posts.map((p: { id: string }) => p.id)).toEqual([carolPost, postIds[0]]);
  });

  test('repeated failures open the breaker; search then skips OpenSearch at once', async () => {
    for (let i = 0; i < 50 && service.context.search?.breaker.state !== 'open'; i++) await search(service, 'sunset');
    const refusedBefore = service.context.search?.breaker.rejections ?? 0;
    const failedBefore = service.context.search?.breaker.failures ?? 0;
    const res = await search(service, 'sunset');
    const metrics = (await inject({ method: 'GET', url: '/metrics' })).body;

    expect(service.context.search?.breaker.state).toBe('open');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-search-source']).toBe('database');
    // Refused, not tried: nothing ran against OpenSearch and failed. (The outbox's indexer may be refused too
    // meanwhile, so the refusals are counted from below.)
    expect(service.context.search?.breaker.failures).toBe(failedBefore);
    expect(service.context.search?.breaker.rejections).toBeGreaterThan(refusedBefore);
    expect(metrics).toMatch(/^circuit_breaker_state\{breaker="opensearch"\} 2$/m);
    expect(metrics).toMatch(/^search_requests_total\{source="database"\} [1-9]\d*$/m);
  });

  test('health is degraded, not unhealthy: 200 with the opensearch check failed and its breaker open', async () => {
    const res = await inject({ method: 'GET', url: '/health' });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'degraded',
      checks: { database: 'ok', opensearch: 'failed' },
      breakers: { opensearch: 'open' },
    });
  });

  test('when OpenSearch is back, the backlog is indexed and search returns to it on its own', async () => {
    await fake.listen();

    await eventually(() => indexed('users', 'username', 'carol') && indexed('posts', 'id', carolPost), 'backlog');
    await eventually(
      async () => (await search(service, 'harbour')).headers['x-search-source'] === 'opensearch',
      'search from OpenSearch',
    );
    await eventually(async () => (await health()).status === 'healthy', 'healthy');

    expect(await unindexed()).toBe(0);
    expect((await search(service, 'harbour')).json()).toEqual((await search(reference, 'harbour')).json());
  });
});

describe('documents OpenSearch refuses', () => {
  afterEach(() => {
    fake.refuse = () => undefined;
  });

  test('a refused document is skipped; a throttled batch is retried until accepted', async () => {
    let throttled = 0;
    fake.refuse = (_index, document) => {
      if (String(document.caption).includes('poison')) return 400;
      if (String(document.caption).includes('throttled') && throttled++ < 3) return 429;
      return undefined;
    };
    const poison = await post(ann.authorization, 'a poison caption');
    const slow = await post(ann.authorization, 'a throttled caption');
    const fine = await post(ann.authorization, 'a fine caption');

    await eventually(() => indexed('posts', 'id', slow) && indexed('posts', 'id', fine), 'indexed after retries');
    await eventually(async () => (await unindexed()) === 0, 'outbox drained');

    expect(indexed('posts', 'id', poison)).toBe(false);
    expect(throttled).toBeGreaterThan(3);
  });
});

test('a request signed with another secret key is refused, so the signature checks above can fail', async () => {
  const strict = await FakeOpenSearch.start(certificate, { ...CREDENTIALS, secretAccessKey: 'another-secret' }, REGION);
  const breaker = new Breaker(
    'opensearch',
    { timeoutMs: 1_000, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 1_000 },
    new Metrics(),
  );
  const index = OpenSearchIndex.create({
    endpoint: strict.endpoint,
    region: REGION,
    breaker,
    searchTimeoutMs: 500,
    tls: { ca: certificate.pem },
  });
  try {
    await expect(index.ping(1_000)).rejects.toThrow();
    expect(strict.requests.map((r) => r.signatureValid)).toEqual([false]);
  } finally {
    await index.close();
    await strict.stop();
  }
});

test('migration 0002 queues the users and posts from before it for the index, and nothing new for Kafka', async () => {
  await pgServer.sql('CREATE DATABASE before_search', [], 'postgres');
  await pgServer.sql(MIGRATIONS[0].up, [], 'before_search');
  await pgServer.sql(
    `WITH u AS (INSERT INTO users (username, email, password_hash) VALUES ('old_timer', 'old@example.com', 'x')
                RETURNING id),
          p AS (INSERT INTO posts (user_id, caption, media) SELECT id, 'an old post', '[]' FROM u RETURNING id)
     INSERT INTO outbox (topic, event_key, payload) SELECT 'posts.created', id::text, '{}' FROM p`,
    [],
    'before_search',
  );

  await pgServer.sql(MIGRATIONS[1].up, [], 'before_search');
  const outbox = await pgServer.sql(
    'SELECT topic, indexed_at IS NULL AS unindexed, published_at IS NULL AS unpublished FROM outbox ORDER BY id',
    [],
    'before_search',
  );

  expect(outbox).toEqual([
    { topic: 'posts.created', unindexed: true, unpublished: true },
    { topic: 'users.created', unindexed: true, unpublished: false },
  ]);
});
