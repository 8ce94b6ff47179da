import { Writable } from 'node:stream';
import pino from 'pino';
import { DEFAULT_BREAKER } from '../../app/src/breaker';
import { Database } from '../../app/src/db/database';
import { Metrics } from '../../app/src/metrics';

/** A Database whose pools never connect, logging JSON lines into `lines`. */
function databaseLoggingTo(lines: Record<string, unknown>[]): Database {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return new Database({
    writer: { host: '127.0.0.1', port: 1, user: 'nobody', database: 'none' },
    reader: { host: '127.0.0.1', port: 1, user: 'nobody', database: 'none' },
    breaker: DEFAULT_BREAKER,
    metrics: new Metrics(),
    logger: pino({ level: 'info' }, stream),
  });
}

describe('an idle client that fails', () => {
  test('is logged with the error’s message and code, not the client pg-pool hangs on it', async () => {
    const lines: Record<string, unknown>[] = [];
    const db = databaseLoggingTo(lines);
    // What pg-pool emits when the server ends an idle connection: the DatabaseError, with the client on it.
    const err = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
      client: { connectionParameters: { host: '127.0.0.1' }, _queryable: false, padding: 'x'.repeat(4_000) },
    });

    db.writer.emit('error', err, err.client);
    db.reader?.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', client: {} }), {});

    expect(lines.map(({ level, pool, msg, err }) => ({ level, pool, msg, err }))).toEqual([
      {
        level: 40,
        pool: 'writer',
        msg: 'idle database client failed',
        err: {
          type: 'Error',
          message: 'terminating connection due to administrator command',
          code: '57P01',
          stack: '',
        },
      },
      {
        level: 40,
        pool: 'reader',
        msg: 'idle database client failed',
        err: { type: 'Error', message: 'read ECONNRESET', code: 'ECONNRESET', stack: '' },
      },
    ]);
    await db.close();
  });
});
