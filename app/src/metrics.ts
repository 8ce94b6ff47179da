import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The service's Prometheus metrics, on a registry of its own so that several instances can live in one process. */
export class Metrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'http_errors_total',
    help: 'HTTP responses with a 4xx or 5xx status, by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.002, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.12, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly feedCache = new Counter({
    name: 'feed_cache_requests_total',
    help: 'Feed reads by where they were served from: hit (cache), miss (database), stale (last good copy)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly searches = new Counter({
    name: 'search_requests_total',
    help: 'Searches answered, by the store that answered: opensearch, or database (not configured or fallen back)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly breakerState = new Gauge({
    name: 'circuit_breaker_state',
    help: 'Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open',
    labelNames: ['breaker'] as const,
    registers: [this.registry],
  });

  readonly poolConnections = new Gauge({
    name: 'db_pool_connections',
    help: 'PostgreSQL pool connections by pool and state (total, idle, waiting)',
    labelNames: ['pool', 'state'] as const,
    registers: [this.registry],
  });

  readonly postsCreated = new Counter({
    name: 'posts_created_total',
    help: 'Posts created',
    registers: [this.registry],
  });

  readonly uploadsIssued = new Counter({
    name: 'media_uploads_issued_total',
    help: 'Upload URLs issued, by storage (s3, local)',
    labelNames: ['storage'] as const,
    registers: [this.registry],
  });

  readonly logins = new Counter({
    name: 'logins_total',
    help: 'Login attempts by result (success, failure, limited)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'rate_limited_total',
    help: 'Requests refused by a rate limit, by action',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
