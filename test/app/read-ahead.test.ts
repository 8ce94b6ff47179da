import pino from 'pino';
import { buildApp } from '../../app/src/app';
import type { Service } from '../../app/src/service';
import { TestPostgres } from './helpers/servers';
import { signUp, startService } from './helpers/service';

describe('a route read-ahead that fails', () => {
  let pgServer: TestPostgres;
  let service: Service;
  let authorization: string;

  beforeAll(async () => {
    pgServer = await TestPostgres.start();
    service = await startService(pgServer);
    authorization = (await signUp(service, 'reader')).authorization;
  });

  afterAll(async () => {
    await service?.close();
    await pgServer?.destroy();
  });

  test.each([
    [
      'throws',
      () => {
        throw new Error('read-ahead threw');
      },
    ],
    ['rejects', () => Promise.reject(new Error('read-ahead rejected'))],
  ])('one that %s counts as none: the handler runs and reads for itself', async (_how, readAhead) => {
    const app = await buildApp(service.context, { logger: pino({ level: 'silent' }) });
    app.get('/api/v1/probe', { config: { readAhead } }, async (request) => ({ readAhead: request.readAhead ?? null }));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const response = await app.inject({ method: 'GET', url: '/api/v1/probe', headers: { authorization } });
      await new Promise((resolve) => setImmediate(resolve));

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ readAhead: null });
      expect(response.headers['ratelimit-limit']).toBe('5000');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await app.close();
    }
  });
});
