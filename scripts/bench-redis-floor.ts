/**
 * How close to a bare Fastify hello world a route can come on this machine once it does the Redis work every
 * cached feed read must do, and nothing else: the caller's fleet-wide API count (rate-limiter-flexible on a
 * real redis-server, one command) and then also the page's HGET (the two leave in one write, as in the service).
 * Each server runs in its own process, loaded by autocannon from this one, three rounds, 50 connections.
 * Prints figures only; issue 3's target (cached feed >= 50 % of the hello world) is judged against them.
 *
 *   npm run bench:redis-floor           # 10 s per run
 *   npm run bench:redis-floor -- 5      # 5 s per run
 */
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { freePort, TestRedis } from '../test/app/helpers/servers';

const MODES = ['hello', 'count', 'count+hget'] as const;
type Mode = (typeof MODES)[number];

/** The server of one mode (in a child process): tells its parent when it listens. */
async function serve(mode: Mode, redisPort: number, httpPort: number): Promise<void> {
  const redis = new Redis({ port: redisPort, enableAutoPipelining: true });
  await redis.hset('feed:1', 'first:20', 'x'.repeat(4096));
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'rl:api',
    points: 1e9,
    duration: 3600,
    insuranceLimiter: new RateLimiterMemory({ points: 1e9, duration: 3600 }),
  });
  const app = Fastify();
  let request = 0;
  app.get('/', async (_req, reply) => {
    if (mode === 'hello') return { hello: 'world' };
    const page = mode === 'count+hget' ? redis.hgetBuffer('feed:1', 'first:20') : undefined;
    await limiter.consume(`user:${request++ % 500}`);
    if (!page) return { hello: 'world' };
    return reply.type('application/json').send(await page);
  });
  await app.listen({ port: httpPort, host: '127.0.0.1' });
  process.send?.('listening');
}

async function drive(seconds: number): Promise<void> {
  const redis = await TestRedis.start();
  try {
    const rps: Record<Mode, number[]> = { hello: [], count: [], 'count+hget': [] };
    for (let round = 1; round <= 3; round++) {
      for (const mode of MODES) {
        const port = await freePort();
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', __filename, 'serve', mode, String(redis.port), String(port)],
          { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
        );
        await new Promise((resolve) => child.once('message', resolve));
        const url = `http://127.0.0.1:${port}/`;
        await autocannon({ url, connections: 50, duration: 2 }); // warm-up, not reported
        const result = await autocannon({ url, connections: 50, duration: seconds });
        child.kill();
        await new Promise((resolve) => child.once('exit', resolve));
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${mode}: ${result.non2xx} non-2xx answers`);
        rps[mode].push(result.requests.average);
        process.stdout.write(
          `round ${round} ${mode.padEnd(11)} ${Math.round(result.requests.average).toString().padStart(7)} req/s` +
            `   p99 ${result.latency.p99} ms\n`,
        );
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1];
    const share = (mode: Mode) => `${Math.round((median(rps[mode]) / median(rps.hello)) * 100)} %`;
    process.stdout.write(`\nmedians: count alone ${share('count')} of hello, count + HGET ${share('count+hget')}\n`);
  } finally {
    await redis.kill();
  }
}

if (process.argv[2] === 'serve') {
  serve(process.argv[3] as Mode, Number(process.argv[4]), Number(process.argv[5]));
} else {
  const seconds = Number(process.argv[2] ?? 10);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 120) {
    process.stderr.write(
      `bench:redis-floor: seconds: got ${JSON.stringify(process.argv[2])}; allowed: an integer from 1 to 120\n`,
    );
    process.exit(2);
  }
  drive(seconds).catch((error: unknown) => {
    process.stderr.write(`bench:redis-floor: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
