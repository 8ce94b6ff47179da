import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AppConfig } from './config';

/** The credentials the service needs, from the environment or from Secrets Manager. */
export interface ResolvedSecrets {
  readonly dbUser: string;
  readonly dbPassword: string;
  readonly jwtSecret: string;
  readonly redisPassword?: string;
}

type SecretsClient = Pick<SecretsManagerClient, 'send'>;

/** Thrown when a secret cannot be read or has the wrong shape; names the setting and never the secret value. */
export class SecretError extends Error {
  constructor(setting: string, problem: string, options?: { cause?: unknown }) {
    super(`${setting}: ${problem}`, options);
    this.name = 'SecretError';
  }
}

/**
 * Reads the secrets named by ARN once at start. Known limit: a rotated database password is picked up only on
 * the next restart; pool connections opened before the rotation keep working until they are recycled.
 */
export async function resolveSecrets(config: AppConfig, client?: SecretsClient): Promise<ResolvedSecrets> {
  const sm = client ?? (config.awsRegion ? new SecretsManagerClient({ region: config.awsRegion }) : undefined);
  const fetch = async (setting: string, arn: string): Promise<string> => {
    if (!sm) throw new SecretError(setting, 'AWS_REGION is needed to read the secret');
    try {
      const out = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
      if (!out.SecretString) throw new SecretError(setting, 'the secret has no string value');
      return out.SecretString;
    } catch (err) {
      if (err instanceof SecretError) throw err;
      throw new SecretError(setting, `the secret could not be read (${(err as Error).name})`, { cause: err });
    }
  };
  const field = (setting: string, raw: string, names: readonly string[]): string => {
    try {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      for (const name of names) if (typeof parsed[name] === 'string' && parsed[name] !== '') return parsed[name];
    } catch {
      // Not JSON: the whole secret string is the value.
      return raw;
    }
    throw new SecretError(setting, `the secret JSON has none of the fields ${names.join(', ')}`);
  };

  let dbUser = config.db.user ?? '';
  let dbPassword = config.db.password ?? '';
  if (config.db.secretArn) {
    const raw = await fetch('DB_SECRET_ARN', config.db.secretArn);
    dbUser = field('DB_SECRET_ARN', raw, ['username']);
    dbPassword = field('DB_SECRET_ARN', raw, ['password']);
  }
  const jwtSecret = config.jwtSecretArn
    ? field('JWT_SECRET_ARN', await fetch('JWT_SECRET_ARN', config.jwtSecretArn), ['secret', 'jwtSecret', 'value'])
    : (config.jwtSecret ?? '');
  if (jwtSecret.length < 32)
    throw new SecretError('JWT_SECRET_ARN', 'the signing secret must be at least 32 characters');
  const redisPassword = config.redisAuthSecretArn
    ? field('REDIS_AUTH_SECRET_ARN', await fetch('REDIS_AUTH_SECRET_ARN', config.redisAuthSecretArn), [
        'password',
        'token',
        'authToken',
      ])
    : undefined;
  return { dbUser, dbPassword, jwtSecret, redisPassword };
}
