import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestCertificate } from './certificate';

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
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

/** A real PostgreSQL (the binaries on PATH) in a temp dir, on a free loopback port; stoppable and restartable. */
export class TestPostgres {
  readonly user = 'postgres';
  readonly password = 'postgres';

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(database = 'photos'): Promise<TestPostgres> {
    if (spawnSync('initdb', ['--version']).error) {
      throw new Error('initdb is not on PATH: the app integration tests need the PostgreSQL server binaries');
    }
    const dir = mkdtempSync(join(tmpdir(), 'photo-pg-'));
    chmodSync(dir, 0o700);
    if (process.getuid?.() === 0) {
      // initdb refuses to run as root: the cluster belongs to the postgres user.
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(dir, uid, gid);
    }
    const server = new TestPostgres(dir, await freePort());
    server.run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    server.startServer();
    const admin = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    return server;
  }

  /** Starts the server again on the same port (after `stop`). */
  startServer(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-o', options, '-l', join(this.dir, 'log'), '-w', 'start']);
  }

  /** Stops the server at once (fast shutdown: clients are disconnected). */
  stop(): void {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
  }

  /** Runs SQL as the superuser against `database`. */
  async sql<T extends Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
    database = 'photos',
  ): Promise<T[]> {
    const client = new pg.Client({ host: '127.0.0.1', port: this.port, user: 'postgres', database });
    await client.connect();
    try {
      return (await client.query<T>(text, params)).rows;
    } finally {
      await client.end();
    }
  }

  async destroy(): Promise<void> {
    try {
      this.stop();
    } catch {
      // Already stopped.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(command: string, args: string[]): void {
    const asRoot = process.getuid?.() === 0;
    const result = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`${command} failed (${result.status}): ${result.stderr || result.stdout || result.error}`);
    }
  }
}

/** A real redis-server on a free loopback port; `kill` is a SIGKILL, `restart` brings it back on the same port. */
export class TestRedis {
  private process?: ChildProcess;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestRedis> {
    if (spawnSync('redis-server', ['--version']).error) {
      throw new Error(
        'redis-server is not on PATH: the app integration tests need a real Redis (apt-get install -y redis-server)',
      );
    }
    const server = new TestRedis(await freePort());
    await server.restart();
    return server;
  }

  async restart(): Promise<void> {
    this.process = await spawnRedisServer([
      ...['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    ]);
  }

  /** Kills the server without a clean shutdown and waits until it is gone. */
  async kill(): Promise<void> {
    await killProcess(this.process);
    this.process = undefined;
  }
}

/** Options of {@link TestRedisCluster}. */
export interface TestRedisClusterOptions {
  /** Number of masters; the slots are spread evenly over them. @default 3 */
  readonly masters?: number;
  /** AUTH password every node requires. @default - none */
  readonly password?: string;
  /** Serve TLS only (clients and the cluster bus), like ElastiCache with encryption in transit. @default - plain TCP */
  readonly tls?: TestCertificate;
}

/**
 * A real Redis Cluster: `masters` redis-server processes with `--cluster-enabled yes` on free loopback ports,
 * joined by `redis-cli --cluster create`. No replicas: a killed master leaves its slots unserved until it returns.
 */
export class TestRedisCluster {
  private readonly processes: (ChildProcess | undefined)[] = [];

  private constructor(
    readonly dir: string,
    readonly ports: readonly number[],
    private readonly busPorts: readonly number[],
    private readonly options: TestRedisClusterOptions,
  ) {}

  /** The seed URL a client is given (the first node), with the password when there is one. */
  get url(): string {
    const auth = this.options.password ? `:${encodeURIComponent(this.options.password)}@` : '';
    return `${this.options.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${this.ports[0]}`;
  }

  static async start(options: TestRedisClusterOptions = {}): Promise<TestRedisCluster> {
    if (spawnSync('redis-cli', ['--version']).error) {
      throw new Error('redis-cli is not on PATH: the cluster tests need it (apt-get install -y redis-tools)');
    }
    const count = options.masters ?? 3;
    const ports: number[] = [];
    const busPorts: number[] = [];
    // Distinct ports: a port just handed out is free again until a server binds it.
    while (ports.length + busPorts.length < 2 * count) {
      const port = await freePort();
      if (ports.includes(port) || busPorts.includes(port)) continue;
      (ports.length < count ? ports : busPorts).push(port);
    }
    const cluster = new TestRedisCluster(mkdtempSync(join(tmpdir(), 'photo-redis-cluster-')), ports, busPorts, options);
    for (let i = 0; i < count; i++) await cluster.restart(i);
    cluster.cli([
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await cluster.waitUntilOk();
    return cluster;
  }

  /** Starts node `index` again on its ports; it rejoins with the slots recorded in its nodes file. */
  async restart(index: number): Promise<void> {
    const { password, tls } = this.options;
    const port = String(this.ports[index]);
    this.processes[index] = await spawnRedisServer([
      ...(tls
        ? ['--port', '0', '--tls-port', port, '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile]
        : ['--port', port]),
      ...(tls ? ['--tls-ca-cert-file', tls.certFile, '--tls-auth-clients', 'no', '--tls-cluster', 'yes'] : []),
      ...(password ? ['--requirepass', password, '--masterauth', password] : []),
      ...['--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'no'],
      ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
      ...['--cluster-port', String(this.busPorts[index]), '--cluster-node-timeout', '1000'],
    ]);
  }

  /** Kills node `index` without a clean shutdown and waits until it is gone. */
  async kill(index: number): Promise<void> {
    await killProcess(this.processes[index]);
    this.processes[index] = undefined;
  }

  /** Waits until every running node reports `cluster_state:ok`. */
  async waitUntilOk(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = this.ports
        .filter((_, i) => this.processes[i] !== undefined)
        .map((p) => this.cli(['-p', String(p), 'cluster', 'info']));
      if (states.every((info) => /^cluster_state:ok\s*$/m.test(info))) return;
      if (Date.now() > deadline) throw new Error(`the Redis Cluster never became ok:\n${states.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Runs redis-cli against the cluster's first node (or the node of a `-p` in `args`) and returns its output. */
  cli(args: readonly string[]): string {
    const { password, tls } = this.options;
    const result = spawnSync(
      'redis-cli',
      [
        ...['-h', '127.0.0.1', '-p', String(this.ports[0])],
        ...(tls ? ['--tls', '--cacert', tls.certFile] : []),
        ...(password ? ['-a', password, '--no-auth-warning'] : []),
        ...args,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
    return result.stdout;
  }

  async stop(): Promise<void> {
    for (let i = 0; i < this.ports.length; i++) await this.kill(i);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts redis-server with `args` and resolves once it accepts connections. */
async function spawnRedisServer(args: readonly string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}

/** SIGKILLs a child process of the test and waits for its exit. */
async function killProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
