import type { ConnectionOptions } from 'node:tls';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import type { Breaker } from './breaker';
import { withTimeout } from './db/database';

/** Most users and most posts one search returns (as many as the PostgreSQL search). */
export const SEARCH_LIMIT = 20;

/** The indices the service owns and their mappings; the service creates them when they are missing. */
export const SEARCH_INDICES = {
  users: {
    name: 'users',
    mappings: { dynamic: 'strict', properties: { id: { type: 'keyword' }, username: { type: 'keyword' } } },
  },
  posts: {
    name: 'posts',
    mappings: {
      dynamic: 'strict',
      properties: {
        // A number, so that newest first is an id sort as in PostgreSQL (ids are bigint; sent as strings).
        id: { type: 'long' },
        author: { type: 'keyword' },
        caption: { type: 'text' },
        createdAt: { type: 'date' },
      },
    },
  },
} as const;

/** What `GET /api/v1/search` answers, from either store. */
export interface SearchResults {
  readonly users: { username: string }[];
  readonly posts: { id: string; author: string; caption: string }[];
}

export interface UserDocument {
  readonly id: string;
  readonly username: string;
}

export interface PostDocument {
  readonly id: string;
  readonly author: string;
  readonly caption: string;
  readonly createdAt: string;
}

/** A document the cluster refused, with its HTTP status (429 and 5xx are worth retrying, the rest are not). */
export interface RejectedDocument {
  readonly index: string;
  readonly id: string;
  readonly status: number;
  readonly reason: string;
}

/** Properties of {@link OpenSearchIndex.create}. */
export interface OpenSearchProps {
  /** The domain endpoint, `https://...`. */
  readonly endpoint: string;
  /** Region of the domain, part of the SigV4 signature. */
  readonly region: string;
  /** Breaker around every call to the domain (searches and indexing). */
  readonly breaker: Breaker;
  /** A search slower than this is abandoned for the PostgreSQL search. */
  readonly searchTimeoutMs: number;
  /** Extra TLS settings. @default - Node's CA store, which trusts the domain's certificate */
  readonly tls?: ConnectionOptions;
}

/**
 * The search index on Amazon OpenSearch Service. The domain enforces IAM with fine-grained access control over
 * HTTPS, so every request is signed with SigV4 (service `es`) using the instance role's credentials from the
 * default AWS provider chain. Searches keep the PostgreSQL search's semantics: users whose name starts with the
 * query (any case), posts whose caption has every word of it, newest first.
 */
export class OpenSearchIndex {
  constructor(
    private readonly client: Client,
    readonly breaker: Breaker,
    private readonly searchTimeoutMs: number,
  ) {}

  static create(props: OpenSearchProps): OpenSearchIndex {
    const credentials = defaultProvider();
    const client = new Client({
      ...AwsSigv4Signer({ region: props.region, service: 'es', getCredentials: () => credentials() }),
      node: props.endpoint,
      // One endpoint: retrying on "another node" only repeats the call. The callers retry (next search, next poll).
      maxRetries: 0,
      requestTimeout: 5_000,
      ...(props.tls ? { ssl: props.tls } : {}),
    });
    return new OpenSearchIndex(client, props.breaker, props.searchTimeoutMs);
  }

  async search(q: string): Promise<SearchResults> {
    const options = { requestTimeout: this.searchTimeoutMs };
    return this.breaker.fire(async () => {
      const [users, posts] = await Promise.all([
        this.client.search(
          {
            index: SEARCH_INDICES.users.name,
            body: {
              size: SEARCH_LIMIT,
              _source: ['username'],
              query: { prefix: { username: { value: q, case_insensitive: true } } },
              sort: [{ username: { order: 'asc' } }],
            },
          },
          options,
        ),
        this.client.search(
          {
            index: SEARCH_INDICES.posts.name,
            body: {
              size: SEARCH_LIMIT,
              _source: ['id', 'author', 'caption'],
              query: { match: { caption: { query: q, operator: 'and' } } },
              sort: [{ id: { order: 'desc' } }],
            },
          },
          options,
        ),
      ]);
      return {
        users: hitsOf(users.body).map((s) => ({ username: field(s, 'username') })),
        posts: hitsOf(posts.body).map((s) => ({
          id: field(s, 'id'),
          author: field(s, 'author'),
          caption: field(s, 'caption'),
        })),
      };
    });
  }

  /** Creates the indices that do not exist yet; an index created meanwhile by another instance is fine. */
  async ensureIndices(): Promise<void> {
    await this.breaker.fire(async () => {
      for (const { name, mappings } of Object.values(SEARCH_INDICES)) {
        try {
          await this.client.indices.create({ index: name, body: { mappings } });
        } catch (err) {
          if (errorType(err) !== 'resource_already_exists_exception') throw err;
        }
      }
    });
  }

  /** Indexes (creates or replaces) the documents in one bulk request; returns the documents the cluster refused. */
  async index(users: readonly UserDocument[], posts: readonly PostDocument[]): Promise<RejectedDocument[]> {
    if (users.length === 0 && posts.length === 0) return [];
    const body = [
      ...users.flatMap((u) => [{ index: { _index: SEARCH_INDICES.users.name, _id: u.id } }, u]),
      ...posts.flatMap((p) => [{ index: { _index: SEARCH_INDICES.posts.name, _id: p.id } }, p]),
    ];
    const res = await this.breaker.fire(() => this.client.bulk({ body }));
    const items = (res.body as { items?: { index?: BulkItem }[] }).items ?? [];
    return items
      .map((item) => item.index)
      .filter((item): item is BulkItem => item !== undefined && item.status >= 300)
      .map((item) => ({
        index: item._index,
        id: item._id,
        status: item.status,
        reason: item.error?.type ?? 'unknown',
      }));
  }

  /** Health probe (`HEAD /`), bypassing the breaker, bounded by `timeoutMs`. */
  async ping(timeoutMs: number): Promise<void> {
    const res = await withTimeout(this.client.ping({}, { requestTimeout: timeoutMs }), timeoutMs, 'opensearch ping');
    if (res.body !== true) throw new Error(`opensearch ping answered ${res.statusCode}`);
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    await this.client.close();
  }
}

interface BulkItem {
  _index: string;
  _id: string;
  status: number;
  error?: { type?: string };
}

/** The `_source` of each hit; throws on a response of another shape (which then counts as a failed search). */
function hitsOf(body: unknown): Record<string, unknown>[] {
  const hits = (body as { hits?: { hits?: unknown } } | undefined)?.hits?.hits;
  if (!Array.isArray(hits)) throw new Error('opensearch answered a search without hits');
  return hits.map((hit) => {
    const source = (hit as { _source?: unknown })._source;
    if (typeof source !== 'object' || source === null) throw new Error('opensearch answered a hit without _source');
    return source as Record<string, unknown>;
  });
}

function field(source: Record<string, unknown>, name: string): string {
  const value = source[name];
  if (typeof value !== 'string') throw new Error(`opensearch answered a hit whose ${name} is not a string`);
  return value;
}

function errorType(err: unknown): string | undefined {
  const body = (err as { meta?: { body?: { error?: { type?: unknown } } } }).meta?.body;
  const type = body?.error?.type;
  return typeof type === 'string' ? type : undefined;
}
