import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../app/src/config';

// PEM files the fleet contract points at (their contents are checked for a PEM block, not parsed).
const pemDir = mkdtempSync(join(tmpdir(), 'photo-config-pem-'));
const PEM = {
  cert: join(pemDir, 'cert.pem'),
  key: join(pemDir, 'key.pem'),
  ca: join(pemDir, 'rds-ca.pem'),
  notPem: join(pemDir, 'not-pem.txt'),
  missing: join(pemDir, 'missing.pem'),
};
writeFileSync(PEM.cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
writeFileSync(PEM.key, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
writeFileSync(PEM.ca, '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n');
writeFileSync(PEM.notPem, 'this is not a certificate\n');
afterAll(() => rmSync(pemDir, { recursive: true, force: true }));

const BASE = {
  DB_HOST: 'db.internal',
  DB_NAME: 'photos',
  DB_USER: 'app',
  DB_PASSWORD: 'pw',
  JWT_SECRET: 'x'.repeat(32),
};

function problemsOf(env: Record<string, string>): { key: string; value?: string }[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(({ key, value }) => ({ key, value }));
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  test('applies the documented defaults to a minimal environment', () => {
    const config = loadConfig(BASE);

    expect(config).toMatchObject({
      port: 3000,
      tls: undefined,
      db: { host: 'db.internal', port: 5432, name: 'photos', ssl: 'disable', poolMax: 10, readHost: undefined },
      redisUrl: undefined,
      redisCluster: false,
      kafkaBrokers: [],
      writesEnabled: true,
      logLevel: 'info',
    });
  });

  test('picks one read replica from a comma-separated DB_READ_HOST, ignoring empty entries', () => {
    const replicas = ['replica-1.example', 'replica-2.example', 'replica-3.example'];
    const picked = new Set<string | undefined>();
    for (let i = 0; i < 200; i += 1) {
      const config = loadConfig({
        DB_HOST: 'writer.example',
        DB_NAME: 'photos',
        DB_USER: 'u',
        DB_PASSWORD: 'p',
        DB_READ_HOST: ` ${replicas.join(' , ')} ,`,
        JWT_SECRET: 'x'.repeat(32),
      });
      picked.add(config.db.readHost);
    }

    expect([...picked].sort()).toEqual(replicas);
  });

  test('reads the full fleet contract', () => {
    const config = loadConfig({
      PORT: '8443',
      TLS_CERT_FILE: PEM.cert,
      TLS_KEY_FILE: PEM.key,
      DB_HOST: 'writer.example',
      DB_PORT: '5433',
      DB_NAME: 'photos',
      DB_READ_HOST: 'reader.example',
      DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
      DB_SSL: 'verify-full',
      DB_CA_FILE: PEM.ca,
      DB_POOL_MAX: '40',
      REDIS_URL: 'rediss://cache.example:6379',
      REDIS_CLUSTER: 'true',
      REDIS_AUTH_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:redis-AbCdEf',
      JWT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt-AbCdEf',
      MEDIA_BUCKET: 'photo-media-123456789012-us-east-1',
      AWS_REGION: 'us-east-1',
      OPENSEARCH_ENDPOINT: 'https://search.example',
      KAFKA_BROKERS: 'b-1.msk.example:9098, b-2.msk.example:9098',
      WRITE_SWITCH_PARAMETER: '/photo-platform/us-east-1/writes',
      WRITES_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      OUTBOX_RETENTION_HOURS: '72',
    });

    expect(config).toMatchObject({
      port: 8443,
      tls: { certFile: PEM.cert, keyFile: PEM.key },
      db: { port: 5433, readHost: 'reader.example', ssl: 'verify-full', caFile: PEM.ca, poolMax: 40 },
      redisUrl: 'rediss://cache.example:6379',
      redisCluster: true,
      kafkaBrokers: ['b-1.msk.example:9098', 'b-2.msk.example:9098'],
      opensearchEndpoint: 'https://search.example',
      writeSwitchParameter: '/photo-platform/us-east-1/writes',
      writesEnabled: false,
      logLevel: 'warn',
      outboxRetentionHours: 72,
    });
  });

  test.each([
    ['PORT', { PORT: '70000' }, '70000'],
    ['PORT', { PORT: 'abc' }, 'abc'],
    ['DB_PORT', { DB_PORT: '0' }, '0'],
    ['DB_SSL', { DB_SSL: 'require' }, 'require'],
    ['DB_POOL_MAX', { DB_POOL_MAX: '-1' }, '-1'],
    ['REDIS_URL', { REDIS_URL: 'http://cache' }, 'http://cache'],
    ['REDIS_CLUSTER', { REDIS_URL: 'redis://cache:6379', REDIS_CLUSTER: 'yes' }, 'yes'],
    ['REDIS_CLUSTER', { REDIS_CLUSTER: 'true' }, 'true'],
    ['REDIS_URL', { REDIS_URL: 'redis://cache:6379/2', REDIS_CLUSTER: 'true' }, 'redis://cache:6379/2'],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }, 'verbose'],
    ['OUTBOX_RETENTION_HOURS', { OUTBOX_RETENTION_HOURS: '0' }, '0'],
    ['OUTBOX_RETENTION_HOURS', { OUTBOX_RETENTION_HOURS: '1.5' }, '1.5'],
    ['WRITES_ENABLED', { WRITES_ENABLED: 'yes' }, 'yes'],
    ['KAFKA_BROKERS', { KAFKA_BROKERS: 'broker-without-port' }, 'broker-without-port'],
    ['OPENSEARCH_ENDPOINT', { OPENSEARCH_ENDPOINT: 'http://plain', AWS_REGION: 'us-east-1' }, 'http://plain'],
    ['AWS_REGION', { OPENSEARCH_ENDPOINT: 'https://search.example' }, undefined],
    ['TLS_KEY_FILE', { TLS_CERT_FILE: PEM.cert }, undefined],
    ['AWS_REGION', { MEDIA_BUCKET: 'media-bucket' }, undefined],
    ['DB_SECRET_ARN', { DB_SECRET_ARN: 'not-an-arn', AWS_REGION: 'us-east-1' }, 'not-an-arn'],
  ])('names %s when it is invalid', (key, override, value) => {
    expect(problemsOf({ ...BASE, ...override })).toEqual([{ key, value }]);
  });

  test.each([
    ['TLS_CERT_FILE', { TLS_CERT_FILE: PEM.missing, TLS_KEY_FILE: PEM.key }, PEM.missing, /readable file.*\(ENOENT\)/],
    ['TLS_CERT_FILE', { TLS_CERT_FILE: PEM.notPem, TLS_KEY_FILE: PEM.key }, PEM.notPem, /in PEM \(-----BEGIN/],
    ['TLS_KEY_FILE', { TLS_CERT_FILE: PEM.cert, TLS_KEY_FILE: PEM.notPem }, PEM.notPem, /private key in PEM/],
    ['TLS_KEY_FILE', { TLS_CERT_FILE: PEM.cert, TLS_KEY_FILE: pemDir }, pemDir, /readable file.*\(EISDIR\)/],
    ['DB_CA_FILE', { DB_SSL: 'verify-full', DB_CA_FILE: PEM.missing }, PEM.missing, /CA bundle in PEM \(ENOENT\)/],
    ['DB_CA_FILE', { DB_SSL: 'verify-full', DB_CA_FILE: PEM.notPem }, PEM.notPem, /CA bundle in PEM \(-----BEGIN/],
  ])('names %s when its file is missing or not PEM', (key, override, value, allowed) => {
    expect(problemsOf({ ...BASE, ...override })).toEqual([{ key, value }]);
    expect(() => loadConfig({ ...BASE, ...override })).toThrow(allowed);
  });

  test('reports every missing required variable at once', () => {
    expect(problemsOf({}).map((p) => p.key)).toEqual(['DB_HOST', 'DB_NAME', 'DB_SECRET_ARN', 'JWT_SECRET']);
  });

  test.each(['redis://cache:6379', 'redis://cache:6379/', 'redis://cache:6379/0'])(
    'accepts %s as a cluster configuration endpoint',
    (url) => {
      expect(loadConfig({ ...BASE, REDIS_URL: url, REDIS_CLUSTER: 'true' }).redisCluster).toBe(true);
    },
  );

  test('says what REDIS_CLUSTER allows', () => {
    expect(() => loadConfig({ ...BASE, REDIS_URL: 'redis://cache:6379', REDIS_CLUSTER: 'on' })).toThrow(
      'REDIS_CLUSTER="on": allowed true | false',
    );
  });

  test('hides a short JWT secret in the error', () => {
    expect(() => loadConfig({ ...BASE, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET="\(hidden\)": allowed at least 32/);
  });
});
