import pino from 'pino';
import { loadConfig } from '../../../app/src/config';
import { createService, type Service, type ServiceTuning } from '../../../app/src/service';
import type { TestPostgres, TestRedis } from './servers';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** The environment the fleet would write, pointed at the test servers. */
export function testEnv(
  pgServer: TestPostgres,
  redis?: TestRedis,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DB_HOST: '127.0.0.1',
    DB_PORT: String(pgServer.port),
    DB_NAME: 'photos',
    DB_USER: pgServer.user,
    DB_PASSWORD: pgServer.password,
    DB_SSL: 'disable',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    ...(redis ? { REDIS_URL: redis.url } : {}),
    ...extra,
  };
}

/** Starts the service over the test servers (not listening: use `app.inject`). */
export async function startService(
  pgServer: TestPostgres,
  redis?: TestRedis,
  tuning: Partial<ServiceTuning> = {},
  extraEnv: Record<string, string> = {},
): Promise<Service> {
  const config = loadConfig(testEnv(pgServer, redis, extraEnv));
  return createService(config, { logger: pino({ level: 'silent' }), diskPath: '/tmp', ...tuning });
}

/** Registers a user and logs in; returns the bearer header value and the user's id. */
export async function signUp(service: Service, username: string, password = 'correct horse battery') {
  const register = await service.app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { username, email: `${username}@example.com`, password },
  });
  if (register.statusCode !== 201) throw new Error(`register ${username}: ${register.statusCode} ${register.body}`);
  const login = await service.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password },
  });
  if (login.statusCode !== 200) throw new Error(`login ${username}: ${login.statusCode} ${login.body}`);
  return { id: register.json().id as string, authorization: `Bearer ${login.json().token as string}` };
}

/** Issues an upload for `userId` and returns a media item that a post by that user may reference. */
export async function uploadMedia(service: Service, authorization: string, mimetype = 'image/jpeg', size = 1000) {
  const res = await service.app.inject({
    method: 'POST',
    url: '/api/v1/media/uploads',
    headers: { authorization },
    payload: { mimetype, size },
  });
  if (res.statusCode !== 201) throw new Error(`upload: ${res.statusCode} ${res.body}`);
  return { key: res.json().key as string, mimetype, size };
}
