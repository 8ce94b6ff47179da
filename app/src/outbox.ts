import type { FastifyBaseLogger } from 'fastify';
import type { Database } from './db/database';

/** One event from the outbox table. */
export interface OutboxEvent {
  readonly id: string;
  readonly topic: string;
  readonly key: string;
  readonly payload: unknown;
}

/** Where relayed events go (Kafka on AWS). Must throw when any event of the batch was not accepted. */
export interface EventPublisher {
  publish(events: readonly OutboxEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The transactional outbox relay: routes write events into `outbox` in the same transaction as the change;
 * this loop publishes unpublished rows in id order and marks them published in the same transaction that
 * locked them (`FOR UPDATE SKIP LOCKED`, so instances share the work). Delivery is at least once: a crash
 * between publish and commit publishes the batch again, so consumers dedupe on the event id.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly db: Database,
    private readonly publisher: EventPublisher,
    private readonly logger: FastifyBaseLogger,
    private readonly pollMs = 1_000,
    private readonly batchSize = 100,
  ) {}

  /** Publishes one batch; returns how many events it relayed. */
  async relayOnce(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string; topic: string; event_key: string; payload: unknown }>(
        `SELECT id, topic, event_key, payload FROM outbox
          WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      await this.publisher.publish(
        rows.map((r) => ({ id: r.id, topic: r.topic, key: r.event_key, payload: r.payload })),
      );
      await tx.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  start(): void {
    const tick = async () => {
      try {
        while ((await this.relayOnce()) === this.batchSize) {
          // A full batch: more are waiting.
        }
      } catch (err) {
        this.logger.warn({ err }, 'outbox relay failed; retrying');
      }
    };
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = tick().finally(() => {
        this.running = undefined;
      });
    }, this.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.publisher.close();
  }
}
