import type { FastifyBaseLogger } from 'fastify';
import type { Database } from './db/database';
import { PeriodicTask } from './periodic';

/** One event from the outbox table. */
export interface OutboxEvent {
  readonly id: string;
  readonly topic: string;
  readonly key: string;
  readonly payload: unknown;
}

/** Where relayed events go (Kafka, the search index). Must throw when any event of the batch is to be retried. */
export interface EventPublisher {
  publish(events: readonly OutboxEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * One consumer's view of the outbox: the column it stamps on the events it has taken, and which topics it takes.
 * Each stream advances on its own, so a search index that is down does not hold back Kafka, nor the reverse.
 */
export interface OutboxStream {
  /** Name in logs. */
  readonly name: string;
  /** Column of `outbox` set when this stream has taken an event. */
  readonly doneColumn: 'published_at' | 'indexed_at';
  /** Topics the stream takes. @default - every topic */
  readonly topics?: readonly string[];
}

/** Every event, to Kafka. */
export const KAFKA_STREAM: OutboxStream = { name: 'kafka', doneColumn: 'published_at' };

/** Properties of {@link OutboxRelay}. */
export interface OutboxRelayProps {
  readonly db: Database;
  readonly publisher: EventPublisher;
  readonly logger: FastifyBaseLogger;
  /** @default KAFKA_STREAM */
  readonly stream?: OutboxStream;
  /** Time between polls when the outbox is drained. @default 1000 */
  readonly pollMs?: number;
  /** Events per batch (one publish call, one transaction). @default 100 */
  readonly batchSize?: number;
  /**
   * Whether to poll now. The service passes its write switch: the standby region's database is a read-only
   * replica until promotion, where `FOR UPDATE` would fail on every poll and count against the database breaker.
   *
   * @default - always
   */
  readonly active?: () => boolean;
}

/**
 * The transactional outbox relay: routes write events into `outbox` in the same transaction as the change;
 * this loop hands the stream's unhandled rows to the publisher in id order and stamps them in the same
 * transaction that locked them (`FOR UPDATE SKIP LOCKED`, so instances share the work). Delivery is at least
 * once: a crash between publish and commit hands the batch over again, so consumers dedupe on the event id.
 */
export class OutboxRelay {
  private readonly task: PeriodicTask;
  private failing = false;
  private readonly stream: OutboxStream;
  private readonly batchSize: number;
  private readonly selectSql: string;

  constructor(private readonly props: OutboxRelayProps) {
    this.stream = props.stream ?? KAFKA_STREAM;
    this.batchSize = props.batchSize ?? 100;
    this.task = new PeriodicTask(
      () => this.drain(),
      props.pollMs ?? 1_000,
      () => props.active?.() !== false,
    );
    const { doneColumn, topics } = this.stream;
    if (topics?.some((t) => !/^[a-z]+(\.[a-z]+)*$/.test(t))) {
      throw new Error(`OutboxRelay: topics must be dotted lowercase names, got ${JSON.stringify(topics)}`);
    }
    // Topics as literals (checked above), so that the planner can use the stream's partial index.
    const topicFilter = topics ? ` AND topic IN (${topics.map((t) => `'${t}'`).join(', ')})` : '';
    this.selectSql = `SELECT id, topic, event_key, payload FROM outbox
       WHERE ${doneColumn} IS NULL${topicFilter} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`;
  }

  /** Hands over one batch; returns how many events it relayed. */
  async relayOnce(): Promise<number> {
    return this.props.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string; topic: string; event_key: string; payload: unknown }>(
        this.selectSql,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      await this.props.publisher.publish(
        rows.map((r) => ({ id: r.id, topic: r.topic, key: r.event_key, payload: r.payload })),
      );
      await tx.query(`UPDATE outbox SET ${this.stream.doneColumn} = now() WHERE id = ANY($1::bigint[])`, [
        rows.map((r) => r.id),
      ]);
      return rows.length;
    });
  }

  start(): void {
    this.task.start();
  }

  /** Hands over batches until the outbox is drained; a failure is logged once per outage. */
  private async drain(): Promise<void> {
    const { logger } = this.props;
    try {
      while ((await this.relayOnce()) === this.batchSize) {
        // A full batch: more are waiting.
      }
      if (this.failing) logger.info({ stream: this.stream.name }, 'outbox relay recovered');
      this.failing = false;
    } catch (err) {
      // Every poll fails the same way during an outage: warn once, then keep it to debug.
      if (this.failing) logger.debug({ err, stream: this.stream.name }, 'outbox relay still failing');
      else logger.warn({ err, stream: this.stream.name }, 'outbox relay failed; retrying every poll');
      this.failing = true;
    }
  }

  async stop(): Promise<void> {
    await this.task.stop();
    await this.props.publisher.close();
  }
}
