import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The account id moto answers as (MOTO_ACCOUNT_ID). */
export const MOTO_ACCOUNT_ID = '111111111111';

/** A running moto_server on loopback. */
export interface MotoServer {
  readonly endpoint: string;
  readonly port: number;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `moto_server` (the AWS API emulator, one endpoint for every service) on a free loopback
 * port, as `MOTO_ACCOUNT_ID=111111111111 moto_server -H 127.0.0.1 -p PORT` through
 * `moto_server.py` beside this file (moto_server plus one fidelity fix, see there), and waits
 * until it answers. Needs moto for the `python3` on PATH (`pip install 'moto[server]'`), or
 * `MOTO_PYTHON` naming the interpreter that has it.
 */
export async function startMoto(options: { timeoutMs?: number } = {}): Promise<MotoServer> {
  const port = await freePort();
  const python = process.env.MOTO_PYTHON ?? 'python3';
  const child = spawn(python, [join(__dirname, 'moto_server.py'), '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_ACCOUNT_ID },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', (error) => {
    stderr += `\n${error.message}`;
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (response.ok) return { endpoint, port, stop: () => stop(child, exited) };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await stop(child, exited);
  throw new Error(
    `moto_server did not start on ${endpoint}: ${stderr.trim() || 'no output (does `python3 -c "import moto.server"` work? pip install "moto[server]")'}`,
  );
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
