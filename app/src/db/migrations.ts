import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';

/**
 * The schema's versioned migrations, in order. They live in code (not in files next to the service) because
 * the service ships as one bundled file; `runMigrations` writes them out for node-pg-migrate, which records the
 * applied ones in its `pgmigrations` table. Never edit an applied migration: add the next one.
 */
export const MIGRATIONS: readonly { readonly name: string; readonly up: string; readonly down: string }[] = [
  {
    name: '0001_initial_schema',
    up: `
      CREATE TABLE users (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        username text NOT NULL,
        email text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_username_key ON users (lower(username));
      CREATE UNIQUE INDEX users_email_key ON users (lower(email));

      CREATE TABLE posts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        caption text NOT NULL,
        media jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX posts_user_id_idx ON posts (user_id, id DESC);
      CREATE INDEX posts_caption_search_idx ON posts USING gin (to_tsvector('simple', caption));

      CREATE TABLE follows (
        follower_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        followee_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (follower_id, followee_id),
        CHECK (follower_id <> followee_id)
      );
      CREATE INDEX follows_followee_idx ON follows (followee_id);

      CREATE TABLE likes (
        post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (post_id, user_id)
      );

      CREATE TABLE comments (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        text text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX comments_post_idx ON comments (post_id, id);

      CREATE TABLE outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        topic text NOT NULL,
        event_key text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      );
      CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
    `,
    down: 'DROP TABLE outbox, comments, likes, follows, posts, users;',
  },
  {
    // The search index consumes the outbox on its own (see SEARCH_STREAM in search-indexer.ts): the events it has
    // indexed are stamped here, apart from published_at, so that each consumer advances at its own pace.
    name: '0002_outbox_search_stream',
    // Posts from before already have their posts.created events, still unindexed; users from before get a
    // users.created event so that they reach the index too, stamped published because Kafka never carried
    // registrations before this migration.
    up: `
      ALTER TABLE outbox ADD COLUMN indexed_at timestamptz;
      CREATE INDEX outbox_unindexed_idx ON outbox (id)
        WHERE indexed_at IS NULL AND topic IN ('posts.created', 'users.created');
      INSERT INTO outbox (topic, event_key, payload, published_at)
        SELECT 'users.created', id::text, jsonb_build_object('userId', id::text, 'createdAt', created_at), now()
          FROM users ORDER BY id;
    `,
    down: `
      DELETE FROM outbox WHERE topic = 'users.created';
      DROP INDEX outbox_unindexed_idx;
      ALTER TABLE outbox DROP COLUMN indexed_at;
    `,
  },
];

/** Applies pending migrations under node-pg-migrate's advisory lock; instances starting together wait their turn. */
export async function runMigrations(client: pg.ClientBase, logger: FastifyBaseLogger): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'photo-migrations-'));
  try {
    for (const migration of MIGRATIONS) {
      const sql = `-- Up Migration\n${migration.up}\n-- Down Migration\n${migration.down}\n`;
      await writeFile(join(dir, `${migration.name}.sql`), sql, { mode: 0o600 });
    }
    const applied = await runner({
      dbClient: client,
      dir,
      migrationsTable: 'pgmigrations',
      direction: 'up',
      advisoryLockMode: 'wait',
      checkOrder: true,
      singleTransaction: true,
      logger: {
        debug: () => {},
        info: (msg: string) => logger.debug({ migration: msg }, 'migration'),
        warn: (msg: string) => logger.warn({ migration: msg }, 'migration'),
        error: (msg: string) => logger.error({ migration: msg }, 'migration'),
      },
    });
    const names = applied.map((m) => m.name);
    logger.info({ applied: names }, 'migrations applied');
    return names;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
