import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServiceBundleSync } from '../../app/bundle';
import { createTestCertificate, type TestCertificate } from './helpers/certificate';
import { FakeOpenSearch } from './helpers/fake-opensearch';
import { freePort, TestPostgres } from './helpers/servers';
import { testEnv } from './helpers/service';

// The fleet runs the bundle with plain `node server.js`: no node_modules, only the env file's variables.
let pgServer: TestPostgres;
let runDir: string;
let buildDir: string;
let certificate: TestCertificate;

beforeAll(async () => {
  pgServer = await TestPostgres.start();
  certificate = createTestCertificate();
  buildDir = mkdtempSync(join(tmpdir(), 'photo-bundle-build-'));
  runDir = mkdtempSync(join(tmpdir(), 'photo-bundle-run-'));
  buildServiceBundleSync(buildDir);
  copyFileSync(join(buildDir, 'server.js'), join(runDir, 'server.js'));
}, 120_000);

afterAll(async () => {
  await pgServer?.destroy();
  certificate?.remove();
  rmSync(buildDir, { recursive: true, force: true });
  rmSync(runDir, { recursive: true, force: true });
});

function runBundle(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  let output = '';
  const child = spawn(process.execPath, ['server.js'], { cwd: runDir, env: { PATH: process.env.PATH ?? '', ...env } });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Polls the bundle's /health until it answers (it migrates first). */
async function waitForHealth(port: number, run: ReturnType<typeof runBundle>): Promise<Response> {
  for (let i = 0; i < 80; i++) {
    const health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
    if (health) return health;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the bundle never answered:\n${run.output()}`);
}

test('the build writes exactly one file', () => {
  expect(readdirSync(buildDir)).toEqual(['server.js']);
});

test('server.js alone starts, migrates, serves /health and drains on SIGTERM', async () => {
  const port = await freePort();
  const run = runBundle({ ...testEnv(pgServer), LOG_LEVEL: 'info', PORT: String(port) });
  try {
    const health = await waitForHealth(port, run);

    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy', checks: { database: 'ok', cache: 'in-memory' } });
    const applied = await pgServer.sql<{ name: string }>('SELECT name FROM pgmigrations');
    expect(applied.map((m) => m.name)).toEqual(['0001_initial_schema', '0002_outbox_search_stream']);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('"msg":"shut down cleanly"');
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('server.js alone indexes and searches through OpenSearch, signing with credentials from the AWS chain', async () => {
  // FakeOpenSearch (helpers/fake-opensearch.ts) stands in for the domain: no real OpenSearch can run here.
  const credentials = { accessKeyId: 'AKIDPHOTOBUNDLETEST', secretAccessKey: 'bundle-test-secret-access-key' };
  const fake = await FakeOpenSearch.start(certificate, credentials, 'us-east-1');
  const port = await freePort();
  const run = runBundle({
    ...testEnv(pgServer),
    PORT: String(port),
    OPENSEARCH_ENDPOINT: fake.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    NODE_EXTRA_CA_CERTS: certificate.certFile,
  });
  try {
    const health = await waitForHealth(port, run);
    const registered = await fetch(`http://127.0.0.1:${port}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bundled_user', email: 'bundled@example.com', password: 'a long passphrase' }),
    });
    for (let i = 0; i < 80 && fake.documents('users').length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const found = await fetch(`http://127.0.0.1:${port}/api/v1/search?q=bundled`);

    expect(await health.json()).toMatchObject({ checks: { opensearch: 'ok' }, breakers: { opensearch: 'closed' } });
    expect(registered.status).toBe(201);
    expect(fake.documents('users')).toEqual([{ id: expect.any(String), username: 'bundled_user' }]);
    expect(found.headers.get('x-search-source')).toBe('opensearch');
    expect(await found.json()).toEqual({ users: [{ username: 'bundled_user' }], posts: [] });
    expect(fake.requests.every((r) => r.signatureValid)).toBe(true);
  } finally {
    run.child.kill('SIGKILL');
    await fake.stop();
  }
});

test('server.js exits 78 naming the variable when the environment is invalid', async () => {
  const { DB_HOST: _omitted, ...env } = testEnv(pgServer);
  const run = runBundle({ ...env, DB_POOL_MAX: 'many' });

  expect(await run.exited).toBe(78);
  expect(run.output()).toContain('DB_HOST=(unset)');
  expect(run.output()).toContain('DB_POOL_MAX="many": allowed an integer from 1 to 500');
});
