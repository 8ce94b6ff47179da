import type { Producer } from 'kafkajs';
import { KafkaPublisher, kafkaConfig } from '../../app/src/kafka';
import { type EventPublisher, type OutboxEvent, OutboxRelay } from '../../app/src/outbox';
import type { Service } from '../../app/src/service';
import { TestPostgres } from './helpers/servers';
import { signUp, startService, uploadMedia } from './helpers/service';

/** Records what it is given; fails while `failing` is set, as an unreachable broker would. */
class RecordingPublisher implements EventPublisher {
  readonly events: OutboxEvent[] = [];
  failing = false;

  async publish(events: readonly OutboxEvent[]): Promise<void> {
    if (this.failing) throw new Error('broker unreachable');
    this.events.push(...events);
  }

  async close(): Promise<void> {}
}

describe('outbox relay on PostgreSQL', () => {
  let pgServer: TestPostgres;
  let service: Service;
  const publisher = new RecordingPublisher();

  beforeAll(async () => {
    pgServer = await TestPostgres.start();
    service = await startService(pgServer, undefined, { eventPublisher: publisher, outboxPollMs: 100 });
  });

  afterAll(async () => {
    await service?.close();
    await pgServer?.destroy();
  });

  const unpublished = async () =>
    (await pgServer.sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL'))[0].n;

  async function until(probe: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 100 && !(await probe()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  test('relays registration, follow, post and like events in order, once, and marks them published', async () => {
    const ann = await signUp(service, 'ann');
    const ben = await signUp(service, 'ben');
    await service.app.inject({
      method: 'POST',
      url: '/api/v1/users/ann/follow',
      headers: { authorization: ben.authorization },
    });
    const media = await uploadMedia(service, ann.authorization);
    const post = await service.app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { authorization: ann.authorization },
      payload: { caption: 'outbox', media: [media] },
    });
    const postId = post.json().id;
    await service.app.inject({
      method: 'POST',
      url: `/api/v1/posts/${postId}/likes`,
      headers: { authorization: ben.authorization },
    });

    await until(async () => publisher.events.length >= 5);

    expect(publisher.events.map(({ topic, key, payload }) => ({ topic, key, payload }))).toEqual([
      { topic: 'users.created', key: ann.id, payload: { userId: ann.id, createdAt: expect.any(String) } },
      { topic: 'users.created', key: ben.id, payload: { userId: ben.id, createdAt: expect.any(String) } },
      { topic: 'follows.created', key: ben.id, payload: { followerId: ben.id, followeeId: ann.id } },
      { topic: 'posts.created', key: postId, payload: { postId, userId: ann.id, createdAt: expect.any(String) } },
      { topic: 'likes.created', key: postId, payload: { postId, userId: ben.id } },
    ]);
    expect(await unpublished()).toBe(0);
  });

  test('a failing broker leaves events in the outbox until it accepts them', async () => {
    publisher.failing = true;
    const before = publisher.events.length;
    const cid = await signUp(service, 'cid');
    await service.app.inject({
      method: 'POST',
      url: '/api/v1/users/ann/follow',
      headers: { authorization: cid.authorization },
    });
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(await unpublished()).toBe(2);
    expect(publisher.events.length).toBe(before);

    publisher.failing = false;
    await until(async () => (await unpublished()) === 0);

    expect(publisher.events.slice(before).map((e) => e.topic)).toEqual(['users.created', 'follows.created']);
  });
});

describe('outbox relay with the write switch off', () => {
  let pgServer: TestPostgres;
  let writer: Service;

  beforeAll(async () => {
    pgServer = await TestPostgres.start();
    writer = await startService(pgServer);
    await signUp(writer, 'dora');
  });

  afterAll(async () => {
    await writer?.close();
    await pgServer?.destroy();
  });

  test('a service whose writes are off relays nothing (a standby database is read-only)', async () => {
    const publisher = new RecordingPublisher();
    const fenced = await startService(
      pgServer,
      undefined,
      { eventPublisher: publisher, outboxPollMs: 50 },
      { WRITES_ENABLED: 'false' },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await fenced.close();

    expect(publisher.events).toEqual([]);
  });

  test('the relay starts polling once it is active', async () => {
    const publisher = new RecordingPublisher();
    let active = false;
    const relay = new OutboxRelay({
      db: writer.context.db,
      publisher,
      logger: writer.logger,
      pollMs: 50,
      active: () => active,
    });
    relay.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const whileInactive = publisher.events.length;
      active = true;
      for (let i = 0; i < 50 && publisher.events.length === 0; i++) await new Promise((r) => setTimeout(r, 50));

      expect(whileInactive).toBe(0);
      expect(publisher.events.map((e) => e.topic)).toEqual(['users.created']);
    } finally {
      await relay.stop();
    }
  });
});

describe('Kafka publisher', () => {
  test('sends one batch per call, a topic per event type, keyed, with the outbox id header, acks from all', async () => {
    const calls: unknown[] = [];
    const producer = {
      connect: jest.fn(async () => {}),
      disconnect: jest.fn(async () => {}),
      sendBatch: jest.fn(async (batch: unknown) => {
        calls.push(batch);
        return [];
      }),
    } as unknown as Producer;
    const kafka = new KafkaPublisher(producer);

    await kafka.publish([
      { id: '1', topic: 'posts.created', key: '10', payload: { postId: '10' } },
      { id: '2', topic: 'likes.created', key: '10', payload: { postId: '10', userId: '3' } },
      { id: '3', topic: 'posts.created', key: '11', payload: { postId: '11' } },
    ]);
    await kafka.publish([{ id: '4', topic: 'follows.created', key: '3', payload: {} }]);
    await kafka.close();

    expect(producer.connect).toHaveBeenCalledTimes(1);
    expect(producer.disconnect).toHaveBeenCalledTimes(1);
    expect(calls[0]).toEqual({
      acks: -1,
      topicMessages: [
        {
          topic: 'posts.created',
          messages: [
            { key: '10', value: '{"postId":"10"}', headers: { 'outbox-id': '1' } },
            { key: '11', value: '{"postId":"11"}', headers: { 'outbox-id': '3' } },
          ],
        },
        {
          topic: 'likes.created',
          messages: [{ key: '10', value: '{"postId":"10","userId":"3"}', headers: { 'outbox-id': '2' } }],
        },
      ],
    });
  });

  test.each([
    [['b-1.msk.example:9098', 'b-2.msk.example:9098'], 'oauthbearer'],
    [['b-1.msk.example:9094'], undefined],
  ])('brokers %p connect over TLS with SASL %p', (brokers, mechanism) => {
    const config = kafkaConfig(brokers, 'us-east-1');

    expect(config.ssl).toBe(true);
    expect(config.sasl?.mechanism).toBe(mechanism);
  });

  test('IAM brokers without a region are refused', () => {
    expect(() => kafkaConfig(['b-1.msk.example:9098'], undefined)).toThrow(/AWS_REGION/);
  });
});
