import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm run dev:app` (app/dev.ts): a bad configuration is refused before the embedded PostgreSQL starts, and a
// start that fails later stops and removes it. Each run gets its own TMPDIR, where the database would live.
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
