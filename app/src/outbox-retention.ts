import type { FastifyBaseLogger } from 'fastify';
import type { Database } from './db/database';
import type { OutboxStream } from './outbox';
import { PeriodicTask } from './periodic';

/** A topic name as OutboxRelay accepts it: dotted lowercase words. */
const TOPIC = /^[a-z]+(\.[a-z]+)*$/;

/** Properties of {@link OutboxRetention}. */
export interface OutboxRetentionProps {
  readonly db: Database;
  readonly logger: FastifyBaseLogger;
  /**
   * The streams this deployment relays (Kafka, the search index). An event is removed only once every one of
   * them that takes its topic has stamped it; with no stream at all, nothing will ever take an event and an old
   * one is removed as soon as it is old enough.
   */
  readonly streams: readonly OutboxStream[];
  /** How long an event is kept after it was written, even when every stream has taken it. */
  readonly retentionHours: number;
  /** Time between sweeps. @default 600000 (10 minutes) */
  readonly intervalMs?: number;
  /** Rows per DELETE statement; a sweep repeats until a statement removes fewer. @default 1000 */
  readonly batchSize?: number;
  /** Whether to sweep now: the standby region's database is a read-only replica until promotion. @default - always */
  readonly active?: () => boolean;
}

/**
 * Keeps the outbox table from growing without bound: removes, oldest first and in small batches, the events
 * older than the retention that every configured stream has taken. An event some stream has not taken stays,
 * however old (a consumer that is down loses nothing); the relay's own backlog shows in its logs.
 *
 * Every instance sweeps; concurrent sweeps skip each other's rows (`SKIP LOCKED`) and the relays' locked ones.
 * The scan walks the primary key from the lowest id, which is also the oldest, so a sweep reads little more than
 * what it deletes.
 */
export class OutboxRetention {
  private readonly task: PeriodicTask;
  private readonly batchSize: number;
  private readonly deleteSql: string;

  constructor(private readonly props: OutboxRetentionProps) {
    // A batch size below 1 would repeat its empty DELETE without end; an interval below 1 ms would not pause.
    positiveInteger('retentionHours', props.retentionHours);
    const intervalMs = positiveInteger('intervalMs', props.intervalMs ?? 600_000);
    this.task = new PeriodicTask(
      () => this.sweep(),
      intervalMs,
      () => props.active?.() !== false,
    );
    this.batchSize = positiveInteger('batchSize', props.batchSize ?? 1_000);
    const taken = props.streams.map((stream, i) => {
      if (!stream.topics) return `${stream.doneColumn} IS NOT NULL`;
      // Checked here as well as by OutboxRelay: they are written into the statement as literals.
      if (stream.topics.length === 0 || stream.topics.some((t) => !TOPIC.test(t))) {
        throw new Error(
          `OutboxRetention: streams[${i}].topics: got ${JSON.stringify(stream.topics)}; allowed: at least one dotted ` +
            'lowercase name (posts.created), or no topics for every topic',
        );
      }
      const topics = stream.topics.map((t) => `'${t}'`).join(', ');
      return `(${stream.doneColumn} IS NOT NULL OR topic NOT IN (${topics}))`;
    });
    this.deleteSql = `DELETE FROM outbox WHERE id IN (
        SELECT id FROM outbox
         WHERE created_at < now() - make_interval(hours => $1)${taken.map((t) => ` AND ${t}`).join('')}
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)`;
  }

  /** One sweep; returns how many events it removed. */
  async pruneOnce(): Promise<number> {
    let removed = 0;
    for (;;) {
      const n = await this.props.db.transaction(
        async (tx) => (await tx.query(this.deleteSql, [this.props.retentionHours, this.batchSize])).rowCount ?? 0,
      );
      removed += n;
      if (n < this.batchSize) return removed;
    }
  }

  start(): void {
    this.task.start();
  }

  async stop(): Promise<void> {
    await this.task.stop();
  }

  private async sweep(): Promise<void> {
    const { logger } = this.props;
    try {
      const removed = await this.pruneOnce();
      if (removed > 0) logger.info({ removed }, 'outbox retention removed old events');
    } catch (err) {
      logger.warn({ err }, 'outbox retention sweep failed; retrying next sweep');
    }
  }
}

function positiveInteger(prop: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`OutboxRetention: ${prop}: got ${value}; allowed: an integer of at least 1`);
  }
  return value;
}
