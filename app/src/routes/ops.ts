import { statfs } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../context';
import { withTimeout } from '../db/database';

/** Disk usage above this percentage makes the instance degraded (the seed's threshold). */
export const DISK_WARNING_PERCENT = 90;

type CheckResult = 'ok' | 'failed' | 'warning' | 'in-memory' | 'not-configured';

const HealthBody = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  timestamp: Type.String(),
  checks: Type.Object({
    database: Type.String(),
    replica: Type.String(),
    cache: Type.String(),
    opensearch: Type.String(),
    disk: Type.String(),
  }),
  breakers: Type.Record(Type.String(), Type.String()),
  writesEnabled: Type.Boolean(),
});

export function registerOpsRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  // The seed's health check: the database decides healthy or not; the cache, the replica, OpenSearch (search
  // falls back to PostgreSQL) and the disk only degrade. Each check is bounded, so the answer comes within
  // `healthTimeoutMs` whatever hangs.
  app.get(
    '/health',
    { schema: { tags: ['ops'], response: { 200: HealthBody, 503: HealthBody } } },
    async (_request, reply) => {
      const timeout = ctx.healthTimeoutMs;
      const probe = (work: () => Promise<void>): Promise<CheckResult> =>
        withTimeout(work(), timeout, 'health check').then(
          () => 'ok',
          () => 'failed',
        );
      const { search } = ctx;
      const [database, replica, cache, opensearch, disk] = await Promise.all([
        probe(() => ctx.db.ping('writer', timeout)),
        ctx.db.reader ? probe(() => ctx.db.ping('reader', timeout)) : Promise.resolve<CheckResult>('not-configured'),
        ctx.cache.kind === 'memory' ? Promise.resolve<CheckResult>('in-memory') : probe(() => ctx.cache.ping(timeout)),
        search ? probe(() => search.ping(timeout)) : Promise.resolve<CheckResult>('not-configured'),
        checkDisk(ctx.diskPath, timeout),
      ]);
      const status =
        database === 'failed'
          ? 'unhealthy'
          : [replica, cache, opensearch, disk].some((c) => c === 'failed' || c === 'warning')
            ? 'degraded'
            : 'healthy';
      const breakers: Record<string, string> = { database: ctx.db.writeBreaker.state };
      if (ctx.db.readBreaker) breakers['database-replica'] = ctx.db.readBreaker.state;
      if (ctx.cacheBreaker) breakers.redis = ctx.cacheBreaker.state;
      if (search) breakers.opensearch = search.breaker.state;
      return reply.status(status === 'unhealthy' ? 503 : 200).send({
        status,
        timestamp: new Date().toISOString(),
        checks: { database, replica, cache, opensearch, disk },
        breakers,
        writesEnabled: ctx.writeSwitch.writesEnabled,
      });
    },
  );

  app.get('/metrics', { schema: { tags: ['ops'], hide: true } }, async (_request, reply) => {
    ctx.db.collectPoolMetrics();
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}

async function checkDisk(path: string, timeoutMs: number): Promise<CheckResult> {
  try {
    const stats = await withTimeout(statfs(path), timeoutMs, 'disk check');
    const usedPercent = 100 * (1 - stats.bavail / stats.blocks);
    return usedPercent > DISK_WARNING_PERCENT ? 'warning' : 'ok';
  } catch {
    return 'failed';
  }
}
