import { KAFKA_STREAM, type OutboxStream } from '../../app/src/outbox';
import { OutboxRetention } from '../../app/src/outbox-retention';
import { SEARCH_STREAM } from '../../app/src/search-indexer';
import type { Service } from '../../app/src/service';
import { TestPostgres } from './helpers/servers';
import { startService } from './helpers/service';

describe('outbox retention on PostgreSQL', () => {
  let pgServer: TestPostgres;
  let service: Service;

  beforeAll(async () => {
    pgServer = await TestPostgres.start();
    // No Kafka and no search here: the service's own sweep takes no stream, and runs far less often than a test.
    service = await startService(pgServer);
  });

  afterAll(async () => {
    await service?.close();
    await pgServer?.destroy();
  });

  beforeEach(async () => {
    await pgServer.sql('DELETE FROM outbox');
  });

  /** Writes an event `ageHours` old with the given stamps; returns its label for the assertions. */
  async function event(
    label: string,
    topic: string,
    ageHours: number,
    stamps: { published?: boolean; indexed?: boolean },
  ) {
    await pgServer.sql(
      `INSERT INTO outbox (topic, event_key, payload, created_at, published_at, indexed_at)
       VALUES ($1, $2, '{}'::jsonb, now() - make_interval(hours => $3),
               CASE WHEN $4 THEN now() END, CASE WHEN $5 THEN now() END)`,
      [topic, label, ageHours, stamps.published ?? false, stamps.indexed ?? false],
    );
  }

  const remaining = async () =>
    (await pgServer.sql<{ event_key: string }>('SELECT event_key FROM outbox ORDER BY id')).map((r) => r.event_key);

  const retention = (streams: readonly OutboxStream[], batchSize?: number) =>
    new OutboxRetention({ db: service.context.db, logger: service.app.log, streams, retentionHours: 24, batchSize });

  test('with Kafka: removes old published events only; unpublished ones stay however old', async () => {
    await event('old-published', 'likes.created', 48, { published: true });
    await event('old-unpublished', 'likes.created', 500, {});
    await event('recent-published', 'likes.created', 1, { published: true });

    expect(await retention([KAFKA_STREAM]).pruneOnce()).toBe(1);
    expect(await remaining()).toEqual(['old-unpublished', 'recent-published']);
  });

  test('with Kafka and search: an event goes once every stream that takes its topic has it', async () => {
    await event('post-both', 'posts.created', 48, { published: true, indexed: true });
    await event('post-published-only', 'posts.created', 48, { published: true });
    await event('post-indexed-only', 'posts.created', 48, { indexed: true });
    // Search does not take likes: Kafka's stamp is enough.
    await event('like-published', 'likes.created', 48, { published: true });

    expect(await retention([KAFKA_STREAM, SEARCH_STREAM]).pruneOnce()).toBe(2);
    expect(await remaining()).toEqual(['post-published-only', 'post-indexed-only']);
  });

  test('with no stream: nothing will take an event, so old ones go and recent ones stay', async () => {
    await event('old', 'follows.created', 25, {});
    await event('recent', 'follows.created', 23, {});

    expect(await retention([]).pruneOnce()).toBe(1);
    expect(await remaining()).toEqual(['recent']);
  });

  test('one sweep removes everything due, batch after batch', async () => {
    for (let i = 0; i < 7; i++) await event(`old-${i}`, 'likes.created', 48, { published: true });
    await event('recent', 'likes.created', 1, { published: true });

    expect(await retention([KAFKA_STREAM], 3).pruneOnce()).toBe(7);
    expect(await remaining()).toEqual(['recent']);
  });

  test('refuses a retention that is not a whole number of hours of at least 1', () => {
    for (const retentionHours of [0, -1, 1.5]) {
      expect(
        () => new OutboxRetention({ db: service.context.db, logger: service.app.log, streams: [], retentionHours }),
      ).toThrow(`OutboxRetention: retentionHours: got ${retentionHours}; allowed: an integer of at least 1`);
    }
  });

  test.each([[[]], [["posts.created') OR (true"]], [['Posts.Created']]])(
    'refuses a stream whose topics are %j, which would go into its DELETE as written',
    (topics) => {
      const streams = [{ name: 'search', doneColumn: 'indexed_at' as const, topics }];
      const props = { db: service.context.db, logger: service.app.log, streams, retentionHours: 1 };

      expect(() => new OutboxRetention(props)).toThrow(
        `OutboxRetention: streams[0].topics: got ${JSON.stringify(topics)}; allowed: at least one dotted lowercase name ` +
          '(posts.created), or no topics for every topic',
      );
    },
  );

  test.each([
    ['batchSize', 0],
    ['batchSize', -5],
    ['batchSize', 2.5],
    ['intervalMs', 0],
    ['intervalMs', Number.NaN],
  ])('refuses %s %p, which would sweep without end or without pause', (prop, value) => {
    const props = { db: service.context.db, logger: service.app.log, streams: [], retentionHours: 1, [prop]: value };

    expect(() => new OutboxRetention(props)).toThrow(
      `OutboxRetention: ${prop}: got ${value}; allowed: an integer of at least 1`,
    );
  });
});
