import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServiceBundleSync } from '../../app/bundle';
import { freePort, TestPostgres } from './helpers/servers';
import { testEnv } from './helpers/service';

// The fleet runs the bundle with plain `node server.js`: no node_modules, only the env file's variables.
let pgServer: TestPostgres;
let runDir: string;
let buildDir: string;

beforeAll(async () => {
  pgServer = await TestPostgres.start();
  buildDir = mkdtempSync(join(tmpdir(), 'photo-bundle-build-'));
  runDir = mkdtempSync(join(tmpdir(), 'photo-bundle-run-'));
  buildServiceBundleSync(buildDir);
  copyFileSync(join(buildDir, 'server.js'), join(runDir, 'server.js'));
}, 120_000);

afterAll(async () => {
  await pgServer?.destroy();
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

test('the build writes exactly one file', () => {
  expect(readdirSync(buildDir)).toEqual(['server.js']);
});

test('server.js alone starts, migrates, serves /health and drains on SIGTERM', async () => {
  const port = await freePort();
  const run = runBundle({ ...testEnv(pgServer), LOG_LEVEL: 'info', PORT: String(port) });
  try {
    let health: Response | undefined;
    for (let i = 0; i < 80 && !health; i++) {
      health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (!health) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (!health) throw new Error(`the bundle never answered:\n${run.output()}`);

    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy', checks: { database: 'ok', cache: 'in-memory' } });
    const applied = await pgServer.sql<{ name: string }>('SELECT name FROM pgmigrations');
    expect(applied.map((m) => m.name)).toEqual(['0001_initial_schema']);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('"msg":"shut down cleanly"');
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('server.js exits 78 naming the variable when the environment is invalid', async () => {
  const { DB_HOST: _omitted, ...env } = testEnv(pgServer);
  const run = runBundle({ ...env, DB_POOL_MAX: 'many' });

  expect(await run.exited).toBe(78);
  expect(run.output()).toContain('DB_HOST=(unset)');
  expect(run.output()).toContain('DB_POOL_MAX="many": allowed an integer from 1 to 500');
});
