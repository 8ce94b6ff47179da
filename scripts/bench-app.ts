/**
 * Load test of the photo API service on a real PostgreSQL and a real redis-server, beside a bare Fastify
 * hello world measured in the same run on the same machine. Prints requests per second and p50/p99 latency.
 *
 *   npm run bench                 # 10 s per scenario, 50 connections
 *   npm run bench -- 20 100       # 20 s per scenario, 100 connections
 *
 * The service runs as the fleet runs it: the esbuild bundle under plain `node`, LOG_LEVEL=warn (at info,
 * Fastify logs two lines per request). Tokens are minted with the service's JWT secret and the bench users are
 * inserted with SQL, because the per-user rate limits (5,000 requests and 10 posts per hour) would otherwise
 * stop one user long before the run ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { buildServiceBundleSync } from '../app/bundle';
import { freePort, TestPostgres, TestRedis } from '../test/app/helpers/servers';
import { TEST_JWT_SECRET, testEnv } from '../test/app/helpers/service';

const durationSeconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 50);
const READERS = 500;
const AUTHORS = 20;
const POSTS_PER_AUTHOR = 60;
const POSTERS = 6000;

interface Figures {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  const benchDir = join(root, '.bench', 'app');
  mkdirSync(benchDir, { recursive: true });
  process.stdout.write('building the service bundle...\n');
  buildServiceBundleSync(benchDir);

  const pgServer = await TestPostgres.start();
  const redis = await TestRedis.start();
  const children: ChildProcess[] = [];
  try {
    const barePort = await freePort();
    children.push(startBareFastify(root, barePort));
    const port = await freePort();
    children.push(
      spawn(process.execPath, [join(benchDir, 'server.js')], {
        env: {
          PATH: process.env.PATH ?? '',
          ...testEnv(pgServer, redis),
          PORT: String(port),
          LOG_LEVEL: 'warn',
          DB_POOL_MAX: '20',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    await waitFor(`http://127.0.0.1:${barePort}/`);
    await waitFor(`http://127.0.0.1:${port}/health`);
    process.stdout.write('seeding users, follows and posts...\n');
    await seed(pgServer);
    const readerTokens = await mintTokens(1, READERS);
    const posterTokens = await mintTokens(READERS + AUTHORS + 1, POSTERS);
    const base = `http://127.0.0.1:${port}`;

    const results: Figures[] = [];
    const run = async (name: string, options: autocannon.Options) => {
      await autocannon({ ...options, duration: 2, connections }); // warm-up, not reported
      const r = await autocannon({ ...options, duration: durationSeconds, connections });
      const figures = {
        name,
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors,
      };
      results.push(figures);
      process.stdout.write(`  ${format(figures)}\n`);
    };
    const rotating = (tokens: string[], path: () => string, extra: Partial<autocannon.Request> = {}) => {
      let i = 0;
      return [
        {
          ...extra,
          setupRequest: (req: autocannon.Request) => ({
            ...req,
            path: path(),
            headers: { ...req.headers, ...extra.headers, authorization: `Bearer ${tokens[i++ % tokens.length]}` },
          }),
        },
      ];
    };

    process.stdout.write(`\n${connections} connections, ${durationSeconds} s per scenario\n`);
    await run('bare Fastify hello world', { url: `http://127.0.0.1:${barePort}/` });
    await run('GET /health', { url: `${base}/health` });
    await run('GET /api/v1/feed (cached)', { url: base, requests: rotating(readerTokens, () => '/api/v1/feed') });
    // A random cursor per request: almost every page misses the cache and is read from PostgreSQL.
    const randomCursor = () => `/api/v1/feed?cursor=${1 + Math.floor(Math.random() * AUTHORS * POSTS_PER_AUTHOR)}`;
    await run('GET /api/v1/feed (uncached)', { url: base, requests: rotating(readerTokens, randomCursor) });
    let poster = 0;
    await run('POST /api/v1/posts', {
      url: base,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => {
            // Each poster stays under its 10 posts per hour.
            const index = poster++ % POSTERS;
            const userId = READERS + AUTHORS + 1 + index;
            return {
              ...req,
              path: '/api/v1/posts',
              headers: { ...req.headers, authorization: `Bearer ${posterTokens[index]}` },
              body: JSON.stringify({
                caption: 'bench post',
                media: [{ key: `uploads/${userId}/${randomUUID()}.jpg`, mimetype: 'image/jpeg', size: 120_000 }],
              }),
            };
          },
        },
      ],
    });
    await redis.kill();
    await run('GET /api/v1/feed (Redis down)', { url: base, requests: rotating(readerTokens, () => '/api/v1/feed') });

    const bare = results[0].rps;
    const cached = results.find((r) => r.name.includes('(cached)'));
    const redisDown = results.find((r) => r.name.includes('Redis down'));
    process.stdout.write('\ntargets\n');
    if (cached) {
      process.stdout.write(
        `  cached feed: ${((100 * cached.rps) / bare).toFixed(0)} % of bare Fastify (target >= 50 %), p99 ${cached.p99} ms (target <= 15 ms)\n`,
      );
    }
    if (redisDown) process.stdout.write(`  feed with Redis down: p99 ${redisDown.p99} ms (target <= 120 ms)\n`);
    const refused = results.filter((r) => r.non2xx + r.errors > 0).map((r) => r.name.trim());
    if (refused.length > 0) {
      // A scenario that answers errors measures the refusals, not the route: its figures judge nothing.
      process.stdout.write(`  not valid (non-2xx answers): ${refused.join('; ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await redis.kill();
    await pgServer.destroy();
  }
}

function format(f: Figures): string {
  const extra = f.non2xx + f.errors > 0 ? `  (${f.non2xx} non-2xx, ${f.errors} errors)` : '';
  return `${f.name.padEnd(32)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms${extra}`;
}

function startBareFastify(root: string, port: number): ChildProcess {
  const code = `const app = require('fastify')(); app.get('/', async () => ({ hello: 'world' }));
    app.listen({ port: ${port}, host: '127.0.0.1' });`;
  return spawn(process.execPath, ['-e', code], { cwd: root, stdio: 'ignore' });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} never answered`);
}

/** Readers 1..READERS each follow every author; authors have POSTS_PER_AUTHOR posts; posters have no followers. */
async function seed(pgServer: TestPostgres): Promise<void> {
  const total = READERS + AUTHORS + POSTERS;
  await pgServer.sql(
    `INSERT INTO users (username, email, password_hash)
     SELECT 'bench_' || n, 'bench_' || n || '@example.com', '$2b$10$' || repeat('x', 53) FROM generate_series(1, $1) AS n`,
    [total],
  );
  await pgServer.sql(
    `INSERT INTO follows (follower_id, followee_id)
     SELECT r, a FROM generate_series(1, $1) AS r, generate_series($1 + 1, $1 + $2) AS a`,
    [READERS, AUTHORS],
  );
  await pgServer.sql(
    `INSERT INTO posts (user_id, caption, media)
     SELECT a, 'seeded post ' || i, jsonb_build_array(jsonb_build_object('key', 'uploads/' || a || '/' || gen_random_uuid() || '.jpg',
            'mimetype', 'image/jpeg', 'size', 100000))
       FROM generate_series(1, $2) AS i, generate_series($1 + 1, $1 + $3) AS a`,
    [READERS, POSTS_PER_AUTHOR, AUTHORS],
  );
}

async function mintTokens(firstId: number, count: number): Promise<string[]> {
  const key = new TextEncoder().encode(TEST_JWT_SECRET);
  const tokens: string[] = [];
  for (let id = firstId; id < firstId + count; id++) {
    tokens.push(
      await new SignJWT({ username: `bench_${id}` })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(String(id))
        .setIssuedAt()
        // The service refuses tokens that live longer than the one hour it issues them for.
        .setExpirationTime('1h')
        .sign(key),
    );
  }
  return tokens;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
