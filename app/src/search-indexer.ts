import type { FastifyBaseLogger } from 'fastify';
import type { Database } from './db/database';
import type { EventPublisher, OutboxEvent, OutboxStream } from './outbox';
import type { OpenSearchIndex, PostDocument, UserDocument } from './search';

/** The outbox events that change what search finds: the key of each is the id of the user or the post. */
export const SEARCH_STREAM: OutboxStream = {
  name: 'search',
  doneColumn: 'indexed_at',
  // The same list as the partial index outbox_unindexed_idx (migration 0002), so that the relay's scan uses it.
  topics: ['posts.created', 'users.created'],
};

/**
 * Brings users and posts into the search index, as a consumer of the outbox (see `SEARCH_STREAM`). It indexes
 * the rows as they are now, read from the writer (a replica may not have them yet), so replaying an event is
 * harmless. A write never waits for it: while OpenSearch is down the events stay in the outbox, and the
 * backlog is indexed once it is back. A document the cluster refuses for itself (a 4xx other than 429) is
 * logged and skipped so that it cannot hold up the stream; 429 and 5xx make the whole batch retry.
 */
export class SearchIndexer implements EventPublisher {
  private indicesReady?: Promise<void>;

  constructor(
    private readonly db: Database,
    private readonly index: OpenSearchIndex,
    private readonly logger: FastifyBaseLogger,
  ) {}

  async publish(events: readonly OutboxEvent[]): Promise<void> {
    this.indicesReady ??= this.index.ensureIndices().catch((err: unknown) => {
      this.indicesReady = undefined;
      throw err;
    });
    await this.indicesReady;

    const keysOf = (topic: string) => events.filter((e) => e.topic === topic).map((e) => e.key);
    const [users, posts] = await Promise.all([
      this.users(keysOf('users.created')),
      this.posts(keysOf('posts.created')),
    ]);
    const rejected = await this.index.index(users, posts);
    const retry = rejected.filter((r) => r.status === 429 || r.status >= 500);
    if (retry.length > 0) {
      throw new Error(`opensearch refused ${retry.length} documents for now (${retry[0].status} ${retry[0].reason})`);
    }
    for (const r of rejected) this.logger.error(r, 'opensearch refused a document; it stays out of the index');
  }

  async close(): Promise<void> {}

  private async users(ids: readonly string[]): Promise<UserDocument[]> {
    if (ids.length === 0) return [];
    return this.db.query<{ id: string; username: string }>(
      'SELECT id::text AS id, username FROM users WHERE id = ANY($1::bigint[])',
      [ids],
    );
  }

  private async posts(ids: readonly string[]): Promise<PostDocument[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<{ id: string; author: string; caption: string; created_at: Date }>(
      `SELECT p.id::text AS id, u.username AS author, p.caption, p.created_at
         FROM posts p JOIN users u ON u.id = p.user_id
        WHERE p.id = ANY($1::bigint[])`,
      [ids],
    );
    return rows.map((r) => ({ id: r.id, author: r.author, caption: r.caption, createdAt: r.created_at.toISOString() }));
  }
}
