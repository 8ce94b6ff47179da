import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { Breaker, type BreakerTuning } from '../breaker';
import { DependencyUnavailableError } from '../errors';
import type { Metrics } from '../metrics';

export interface DatabaseProps {
  /** Connection settings of the writer. */
  readonly writer: pg.PoolConfig;
  /** Connection settings of the read replica endpoint. @default - reads use the writer pool */
  readonly reader?: pg.PoolConfig;
  readonly breaker: BreakerTuning;
  readonly metrics: Metrics;
  readonly logger: FastifyBaseLogger;
}

type Row = Record<string, unknown>;

/**
 * PostgreSQL access: a writer pool and an optional reader pool, each behind its own circuit breaker.
 * Only parameterized statements go through here. Reads fall back to the writer when the replica fails
 * (the seed's level 3 degradation).
 */
export class Database {
  readonly writer: pg.Pool;
  readonly reader?: pg.Pool;
  readonly writeBreaker: Breaker;
  readonly readBreaker?: Breaker;

  constructor(private readonly props: DatabaseProps) {
    const onStateChange = (name: string, state: string) => props.logger.warn({ breaker: name, state }, 'breaker state');
    this.writer = createPool(props.writer, 'writer', props.logger);
    this.writeBreaker = new Breaker('database', props.breaker, props.metrics, isCallerError, onStateChange);
    if (props.reader) {
      this.reader = createPool(props.reader, 'reader', props.logger);
      this.readBreaker = new Breaker('database-replica', props.breaker, props.metrics, isCallerError, onStateChange);
    }
  }

  /** Runs a statement on the writer. */
  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.guard(this.writeBreaker, 'database', async () => (await this.writer.query<T>(text, [...params])).rows);
  }

  /** Runs a read on the replica, or on the writer when there is no replica or it is failing. */
  async read<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    const { reader, readBreaker } = this;
    if (reader && readBreaker) {
      try {
        return await this.guard(
          readBreaker,
          'database-replica',
          async () => (await reader.query<T>(text, [...params])).rows,
        );
      } catch (err) {
        if (!(err instanceof DependencyUnavailableError)) throw err;
        this.props.logger.warn({ err }, 'replica unavailable, reading from the writer');
      }
    }
    return this.query<T>(text, params);
  }

  /** Runs `work` in one transaction on the writer; rolls back when it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.guard(this.writeBreaker, 'database', async () => {
      const client = await this.writer.connect();
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    });
  }

  /** Health probe: `SELECT 1` on a pool, bypassing the breaker, bounded by `timeoutMs`. */
  async ping(pool: 'writer' | 'reader', timeoutMs: number): Promise<void> {
    const target = pool === 'reader' ? this.reader : this.writer;
    if (!target) return;
    await withTimeout(target.query('SELECT 1'), timeoutMs, `${pool} ping`);
  }

  /** Publishes pool usage to the metrics (called on each scrape). */
  collectPoolMetrics(): void {
    const pools: [string, pg.Pool | undefined][] = [
      ['writer', this.writer],
      ['reader', this.reader],
    ];
    for (const [name, pool] of pools) {
      if (!pool) continue;
      this.props.metrics.poolConnections.set({ pool: name, state: 'total' }, pool.totalCount);
      this.props.metrics.poolConnections.set({ pool: name, state: 'idle' }, pool.idleCount);
      this.props.metrics.poolConnections.set({ pool: name, state: 'waiting' }, pool.waitingCount);
    }
  }

  async close(): Promise<void> {
    this.writeBreaker.shutdown();
    this.readBreaker?.shutdown();
    await Promise.all([endPool(this.writer), this.reader && endPool(this.reader)]);
  }

  private async guard<T>(breaker: Breaker, name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await breaker.fire(work);
    } catch (err) {
      if (isCallerError(err)) throw err;
      throw new DependencyUnavailableError(name, { cause: err });
    }
  }
}

/** The connected clients of each pool, for `endPool`. */
const openClients = new WeakMap<pg.Pool, Set<pg.PoolClient>>();

function createPool(config: pg.PoolConfig, name: string, logger: FastifyBaseLogger): pg.Pool {
  const pool = new pg.Pool({ connectionTimeoutMillis: 2_000, idleTimeoutMillis: 30_000, ...config });
  // An idle client whose server went away emits here; without a listener the process would crash.
  pool.on('error', (err) => logger.warn({ err: idleClientError(err), pool: name }, 'idle database client failed'));
  const open = new Set<pg.PoolClient>();
  pool.on('connect', (client) => open.add(client));
  pool.on('remove', (client) => open.delete(client));
  openClients.set(pool, open);
  return pool;
}

/**
 * Ends `pool` and waits until each of its connections has closed. `pool.end()` resolves once no client is checked
 * out, while the idle ones are still saying goodbye to the server: a server stopped right then (the dev run's
 * PostgreSQL, after the service closed) would break them, and each would log as a failed idle client.
 */
async function endPool(pool: pg.Pool): Promise<void> {
  const open = openClients.get(pool) ?? new Set();
  const closed = new Promise<void>((resolve) => {
    // Registered after the tracking listener, so it sees each removal already applied.
    const check = () => {
      if (open.size > 0) return;
      pool.off('remove', check);
      resolve();
    };
    pool.on('remove', check);
    check();
  });
  await pool.end();
  await closed;
}

/**
 * What is worth logging of an idle client's error: its message and code (a SQLSTATE such as 57P01,
 * or a socket's ECONNRESET). pg-pool hangs the whole client on the error (`err.client`), which
 * pino's err serializer would log field by field, about 4 KB a line; the stack is the protocol
 * parser's or the socket's, never the service's.
 */
function idleClientError(err: Error & { code?: unknown }): Error {
  const logged = Object.assign(new Error(err.message), err.code === undefined ? {} : { code: err.code });
  logged.stack = undefined;
  return logged;
}

/**
 * SQLSTATE classes that mean the statement was refused (bad data, constraint, conflict), not that the
 * database is failing: 22 data exception, 23 integrity constraint, 40 transaction rollback, 42 syntax or access.
 */
export function isCallerError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|40|42)[0-9A-Z]{3}$/.test(code);
}

/** Rejects with an error when `promise` has not settled after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
