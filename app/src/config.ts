/**
 * The service's configuration, read once from environment variables and validated before anything starts.
 * The fleet's user data writes these variables into an env file; `README.md` lists the contract.
 */

import { readFileSync } from 'node:fs';

/** How the service reaches PostgreSQL over TLS. */
export type DbSslMode = 'disable' | 'verify-full';

export interface DatabaseConfig {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  /**
   * Replica endpoint for reads; reads go to `host` when absent. `DB_READ_HOST` may list several
   * replicas separated by commas: each process picks one at random, so a fleet spreads its reads.
   */
  readonly readHost?: string;
  /** Static credentials; absent when `secretArn` is set. */
  readonly user?: string;
  readonly password?: string;
  /** Secrets Manager secret holding JSON `{ username, password }`. */
  readonly secretArn?: string;
  readonly ssl: DbSslMode;
  /** PEM bundle that signs the server certificate (the RDS CA bundle on AWS). */
  readonly caFile?: string;
  /** Connections per pool (the write pool and the read pool each). */
  readonly poolMax: number;
}

export interface AppConfig {
  readonly port: number;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  readonly db: DatabaseConfig;
  /** `redis://` or `rediss://` URL; absent means the in-process cache and per-process rate limits. */
  readonly redisUrl?: string;
  /** Whether `redisUrl` is the configuration endpoint of a Redis Cluster (ElastiCache with cluster mode on). */
  readonly redisCluster: boolean;
  readonly redisAuthSecretArn?: string;
  readonly jwtSecret?: string;
  readonly jwtSecretArn?: string;
  /** S3 bucket for media; absent means local uploads under the OS temp directory. */
  readonly mediaBucket?: string;
  readonly awsRegion?: string;
  /** HTTPS endpoint of the OpenSearch domain (SigV4-signed); absent means search reads PostgreSQL only. */
  readonly opensearchEndpoint?: string;
  readonly kafkaBrokers: readonly string[];
  /** How long outbox events are kept after every configured consumer took them. */
  readonly outboxRetentionHours: number;
  /** SSM parameter whose value `on`/`off` is the region-local write switch. */
  readonly writeSwitchParameter?: string;
  /** Whether writes are accepted before (or without) the SSM parameter. */
  readonly writesEnabled: boolean;
  readonly logLevel: LogLevel;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** One bad environment variable: its name, the value received and what is allowed. */
export interface ConfigProblem {
  readonly key: string;
  readonly value: string | undefined;
  readonly allowed: string;
}

/** Thrown when the environment does not describe a runnable service; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid service configuration:\n${problems
        .map((p) => `  ${p.key}=${p.value === undefined ? '(unset)' : JSON.stringify(p.value)}: allowed ${p.allowed}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the environment contract; throws one `ConfigError` naming every bad variable. */
export function loadConfig(env: Env): AppConfig {
  const problems: ConfigProblem[] = [];
  const read = (key: string): string | undefined => {
    const value = env[key]?.trim();
    return value === '' ? undefined : value;
  };
  const required = (key: string, allowed: string): string => {
    const value = read(key);
    if (value === undefined) problems.push({ key, value, allowed });
    return value ?? '';
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const raw = read(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push({ key, value: raw, allowed: `an integer from ${min} to ${max}` });
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const raw = read(key);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push({ key, value: raw, allowed: allowed.join(' | ') });
      return fallback;
    }
    return raw as T;
  };
  const pairedOrNone = (a: string, b: string, what: string): void => {
    if ((read(a) === undefined) !== (read(b) === undefined)) {
      const missing = read(a) === undefined ? a : b;
      problems.push({
        key: missing,
        value: undefined,
        allowed: `set together with ${missing === a ? b : a} (${what})`,
      });
    }
  };

  // Certificates and keys are read at start; a missing or non-PEM file is a configuration error found here,
  // not after migrations as a TLS library's message that names no variable.
  const pemFile = (key: string, what: string): void => {
    const path = read(key);
    if (path === undefined) return;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unreadable';
      problems.push({ key, value: path, allowed: `a readable file holding ${what} in PEM (${code})` });
      return;
    }
    if (!/-----BEGIN [A-Z0-9 ]+-----[\s\S]+?-----END [A-Z0-9 ]+-----/.test(text)) {
      problems.push({ key, value: path, allowed: `a file holding ${what} in PEM (-----BEGIN ...----- block)` });
    }
  };

  const port = integer('PORT', 3000, 1, 65535);
  pairedOrNone('TLS_CERT_FILE', 'TLS_KEY_FILE', 'HTTPS is served when both are set');
  const certFile = read('TLS_CERT_FILE');
  const keyFile = read('TLS_KEY_FILE');

  const db: DatabaseConfig = {
    host: required('DB_HOST', 'the PostgreSQL writer endpoint'),
    port: integer('DB_PORT', 5432, 1, 65535),
    name: required('DB_NAME', 'the database name'),
    readHost: pickOne(read('DB_READ_HOST')),
    user: read('DB_USER'),
    password: read('DB_PASSWORD'),
    secretArn: read('DB_SECRET_ARN'),
    ssl: oneOf<DbSslMode>('DB_SSL', ['disable', 'verify-full'], 'disable'),
    caFile: read('DB_CA_FILE'),
    poolMax: integer('DB_POOL_MAX', 10, 1, 500),
  };
  if (db.secretArn === undefined) {
    pairedOrNone('DB_USER', 'DB_PASSWORD', 'static credentials');
    if (db.user === undefined && db.password === undefined) {
      problems.push({
        key: 'DB_SECRET_ARN',
        value: undefined,
        allowed: 'a Secrets Manager ARN, or DB_USER and DB_PASSWORD',
      });
    }
  } else if (!isArn(db.secretArn, 'secretsmanager')) {
    problems.push({ key: 'DB_SECRET_ARN', value: db.secretArn, allowed: 'an arn:aws:secretsmanager:... ARN' });
  }
  pemFile('TLS_CERT_FILE', 'the certificate chain');
  pemFile('TLS_KEY_FILE', 'the private key');
  pemFile('DB_CA_FILE', 'the CA bundle');
  if (db.caFile !== undefined && db.ssl === 'disable') {
    problems.push({ key: 'DB_SSL', value: db.ssl, allowed: 'verify-full when DB_CA_FILE is set' });
  }

  const redisUrl = read('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^\s/]+/.test(redisUrl)) {
    problems.push({
      key: 'REDIS_URL',
      value: redisUrl,
      allowed: 'a redis:// or rediss:// URL, or unset for the in-memory cache',
    });
  }
  const redisCluster = oneOf('REDIS_CLUSTER', ['true', 'false'], 'false') === 'true';
  if (redisCluster && redisUrl === undefined) {
    problems.push({
      key: 'REDIS_CLUSTER',
      value: 'true',
      allowed: 'false unless REDIS_URL is set (cluster mode needs the configuration endpoint)',
    });
  } else if (redisCluster && redisUrl !== undefined && /^rediss?:\/\/[^\s/]+\/(?!0?$)/.test(redisUrl)) {
    problems.push({
      key: 'REDIS_URL',
      value: redisUrl,
      allowed: 'a URL without a database number when REDIS_CLUSTER=true (a cluster has database 0 only)',
    });
  }
  const redisAuthSecretArn = read('REDIS_AUTH_SECRET_ARN');
  if (redisAuthSecretArn !== undefined && !isArn(redisAuthSecretArn, 'secretsmanager')) {
    problems.push({
      key: 'REDIS_AUTH_SECRET_ARN',
      value: redisAuthSecretArn,
      allowed: 'an arn:aws:secretsmanager:... ARN',
    });
  }

  const jwtSecret = read('JWT_SECRET');
  const jwtSecretArn = read('JWT_SECRET_ARN');
  if (jwtSecret === undefined && jwtSecretArn === undefined) {
    problems.push({
      key: 'JWT_SECRET',
      value: undefined,
      allowed: 'a secret of at least 32 characters, or JWT_SECRET_ARN',
    });
  } else if (jwtSecret !== undefined && jwtSecret.length < 32) {
    problems.push({ key: 'JWT_SECRET', value: '(hidden)', allowed: 'at least 32 characters' });
  }
  if (jwtSecretArn !== undefined && !isArn(jwtSecretArn, 'secretsmanager')) {
    problems.push({ key: 'JWT_SECRET_ARN', value: jwtSecretArn, allowed: 'an arn:aws:secretsmanager:... ARN' });
  }

  const mediaBucket = read('MEDIA_BUCKET');
  if (mediaBucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(mediaBucket)) {
    problems.push({ key: 'MEDIA_BUCKET', value: mediaBucket, allowed: 'an S3 bucket name' });
  }
  const opensearchEndpoint = read('OPENSEARCH_ENDPOINT');
  if (opensearchEndpoint !== undefined && !/^https:\/\/\S+$/.test(opensearchEndpoint)) {
    problems.push({ key: 'OPENSEARCH_ENDPOINT', value: opensearchEndpoint, allowed: 'an https:// URL' });
  }
  const kafkaBrokers = (read('KAFKA_BROKERS') ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  for (const broker of kafkaBrokers) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(broker)) {
      problems.push({
        key: 'KAFKA_BROKERS',
        value: read('KAFKA_BROKERS'),
        allowed: 'a comma-separated list of host:port',
      });
      break;
    }
  }
  const writeSwitchParameter = read('WRITE_SWITCH_PARAMETER');
  if (writeSwitchParameter !== undefined && !/^\/?[A-Za-z0-9_.\-/]{1,1011}$/.test(writeSwitchParameter)) {
    problems.push({ key: 'WRITE_SWITCH_PARAMETER', value: writeSwitchParameter, allowed: 'an SSM parameter name' });
  }
  const writesEnabled = oneOf('WRITES_ENABLED', ['true', 'false'], 'true') === 'true';
  const logLevel = oneOf<LogLevel>('LOG_LEVEL', LOG_LEVELS, 'info');
  const outboxRetentionHours = integer('OUTBOX_RETENTION_HOURS', 168, 1, 8760);

  const awsRegion = read('AWS_REGION');
  const needsAws = [
    db.secretArn,
    redisAuthSecretArn,
    jwtSecretArn,
    mediaBucket,
    writeSwitchParameter,
    opensearchEndpoint,
  ].some((v) => v !== undefined);
  if (awsRegion !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(awsRegion)) {
    problems.push({ key: 'AWS_REGION', value: awsRegion, allowed: 'an AWS region such as us-east-1' });
  } else if (awsRegion === undefined && needsAws) {
    problems.push({
      key: 'AWS_REGION',
      value: undefined,
      allowed:
        'an AWS region, required by the *_SECRET_ARN, MEDIA_BUCKET, WRITE_SWITCH_PARAMETER and OPENSEARCH_ENDPOINT settings',
    });
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    tls: certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined,
    db,
    redisUrl,
    redisCluster,
    redisAuthSecretArn,
    jwtSecret,
    jwtSecretArn,
    mediaBucket,
    awsRegion,
    opensearchEndpoint,
    kafkaBrokers,
    outboxRetentionHours,
    writeSwitchParameter,
    writesEnabled,
    logLevel,
  };
}

/** One entry of a comma-separated list, chosen at random; empty entries are ignored. */
function pickOne(list: string | undefined): string | undefined {
  const entries = (list ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.length === 0 ? undefined : entries[Math.floor(Math.random() * entries.length)];
}

function isArn(value: string, service: string): boolean {
  return new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:\\S+$`).test(value);
}
