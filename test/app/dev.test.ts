import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './helpers/servers';

// `npm run dev:app` (app/dev.ts): a bad configuration is refused before the embedded PostgreSQL starts, a start
// that fails later stops and removes it, and Ctrl-C stops it cleanly. Each run gets its own TMPDIR, where the
// database lives.
let tmp: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'photo-dev-test-'));
  chmodSync(tmp, 0o755); // as root the embedded PostgreSQL runs as the postgres user, which must reach its directory
});

afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function runDev(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(process.cwd(), 'node_modules/.bin/tsx'), ['app/dev.ts'], {
      env: { ...process.env, TMPDIR: tmp, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

const databaseDirs = () => readdirSync(tmp).filter((name) => name.startsWith('photo-dev-pg-'));

test('a bad variable exits 78 with the ConfigError message only, before PostgreSQL starts', async () => {
  const { code, stderr } = await runDev({ PORT: 'abc' });

  expect(code).toBe(78);
  expect(stderr).toBe('invalid service configuration:\n  PORT="abc": allowed an integer from 1 to 65535\n');
  expect(databaseDirs()).toEqual([]);
}, 60_000);

test('a start that fails after PostgreSQL started removes its directory and prints no stack', async () => {
  const busy: Server = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  try {
    const { code, stderr } = await runDev({ PORT: String(port), LOG_LEVEL: 'silent' });

    expect(code).toBe(1);
    expect(stderr).toBe(`dev server failed: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
    expect(databaseDirs()).toEqual([]);
  } finally {
    busy.close();
  }
}, 120_000);

/** True while any process of process group `pgid` exists. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

test('Ctrl-C closes the service before PostgreSQL: no warning, exit 0, no server process or directory left', async () => {
  const port = await freePort();
  // A process group of its own, as a terminal's foreground job: Ctrl-C signals the whole group.
  const dev = spawn(join(process.cwd(), 'node_modules/.bin/tsx'), ['app/dev.ts'], {
    env: { ...process.env, TMPDIR: tmp, PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    dev.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('stop: Ctrl-C')) resolve();
    });
    exited.then((code) => reject(new Error(`dev exited with ${code} before it was ready: ${stdout}`)));
  });
  // Requests leave idle clients in the pool: those are what a server stopping first would break.
  const statuses = await Promise.all(
    [1, 2, 3].map(() => fetch(`http://127.0.0.1:${port}/health`).then((response) => response.status)),
  );
  const [databaseDir] = databaseDirs();
  const serverPid = Number(readFileSync(join(tmp, databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

  process.kill(-(dev.pid as number), 'SIGINT');
  const code = await exited;

  expect(statuses).toEqual([200, 200, 200]);
  expect(code).toBe(0);
  const logs = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
  expect(logs.length).toBeGreaterThan(0);
  expect(logs.filter((line) => line.level >= 40)).toEqual([]);
  // The server ran in a group of its own, with its backends: none of them is left.
  expect(serverPid).toBeGreaterThan(0);
  expect(groupAlive(serverPid)).toBe(false);
  expect(databaseDirs()).toEqual([]);
}, 120_000);
