import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import type { TestCertificate } from './certificate';
import { freePort } from './servers';

/**
 * NOT OpenSearch. No real OpenSearch can run on this machine (no Docker, no network), so the tests talk to this
 * small HTTPS server, which speaks only the part of the OpenSearch REST API that the service uses, with the same
 * request and response shapes: `HEAD /` (ping), `PUT /<index>` (create with mappings), `POST /_bulk` (index
 * actions) and `POST /<index>/_search` for the two query shapes the service sends (a case-insensitive `prefix`
 * sorted ascending; a `match` with operator `and` sorted descending). Anything else is answered 400, so the tests
 * fail if the service starts sending requests this fake does not understand. Text analysis is approximated:
 * lowercase words split on anything that is not a letter or a digit.
 *
 * It also checks each request's SigV4 signature (service `es`) with the AWS SDK's own signer.
 */
export class FakeOpenSearch {
  /** Indexed documents by index, then by id. */
  readonly indices = new Map<string, Map<string, Record<string, unknown>>>();
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Answer every request after this many ms. @default 0 */
  delayMs = 0;
  /** Answer every request with this status (an error body) instead of serving it. @default - serve */
  failWith?: number;
  /** Decides, per bulk index action, a status to refuse the document with. @default - accept every document */
  refuse: (index: string, document: Record<string, unknown>) => number | undefined = () => undefined;

  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly certificate: TestCertificate,
    private readonly credentials: { accessKeyId: string; secretAccessKey: string },
    private readonly region: string,
  ) {}

  get endpoint(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  static async start(
    certificate: TestCertificate,
    credentials: { accessKeyId: string; secretAccessKey: string },
    region: string,
  ): Promise<FakeOpenSearch> {
    const fake = new FakeOpenSearch(await freePort(), certificate, credentials, region);
    await fake.listen();
    return fake;
  }

  /** Starts answering again on the same port (after `stop`). */
  async listen(): Promise<void> {
    const server = createServer(
      { cert: this.certificate.pem, key: readFileSync(this.certificate.keyFile, 'utf8') },
      (req, res) => {
        this.handle(req, res).catch((err: unknown) =>
          send(res, 500, { error: { type: 'fake_failure', reason: String(err) } }),
        );
      },
    );
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** Stops listening and drops open connections: the domain is unreachable. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  documents(index: string): Record<string, unknown>[] {
    return [...(this.indices.get(index)?.values() ?? [])];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.endpoint);
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      headers: req.headers,
      body,
      signatureValid: await this.verifySignature(req, url, body),
    };
    this.requests.push(recorded);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (!recorded.signatureValid) {
      send(res, 403, {
        message: 'The request signature we calculated does not match the signature you provided.',
      });
      return;
    }
    if (this.failWith !== undefined) {
      send(res, this.failWith, { error: { type: 'fake_unavailable', reason: 'failing on purpose' } });
      return;
    }

    const segments = url.pathname.split('/').filter((s) => s !== '');
    if (req.method === 'HEAD' && segments.length === 0) {
      send(res, 200);
      return;
    }
    if (req.method === 'PUT' && segments.length === 1) return this.createIndex(res, segments[0]);
    if (req.method === 'POST' && segments.length === 1 && segments[0] === '_bulk') return this.bulk(res, body);
    if ((req.method === 'POST' || req.method === 'GET') && segments.length === 2 && segments[1] === '_search') {
      return this.search(res, segments[0], JSON.parse(body));
    }
    send(res, 400, { error: { type: 'fake_unsupported', reason: `${req.method} ${url.pathname}` } });
  }

  private createIndex(res: ServerResponse, index: string): void {
    if (this.indices.has(index)) {
      send(res, 400, { error: { type: 'resource_already_exists_exception', index }, status: 400 });
      return;
    }
    this.indices.set(index, new Map());
    send(res, 200, { acknowledged: true, shards_acknowledged: true, index });
  }

  private bulk(res: ServerResponse, body: string): void {
    const lines = body.split('\n').filter((l) => l.trim() !== '');
    const items: unknown[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i]) as { index?: { _index: string; _id: string } };
      if (!action.index) {
        send(res, 400, { error: { type: 'fake_unsupported', reason: lines[i] } });
        return;
      }
      const { _index, _id } = action.index;
      const document = JSON.parse(lines[i + 1]) as Record<string, unknown>;
      const refused = this.refuse(_index, document);
      const documents = this.indices.get(_index);
      if (refused !== undefined || !documents) {
        const type = refused === 429 ? 'es_rejected_execution_exception' : 'mapper_parsing_exception';
        items.push({ index: { _index, _id, status: refused ?? 404, error: { type, reason: 'refused' } } });
        continue;
      }
      const created = !documents.has(_id);
      documents.set(_id, document);
      items.push({ index: { _index, _id, status: created ? 201 : 200, result: created ? 'created' : 'updated' } });
    }
    const errors = items.some((item) => (item as { index: { status: number } }).index.status >= 300);
    send(res, 200, { took: 1, errors, items });
  }

  private search(res: ServerResponse, index: string, body: SearchBody): void {
    const documents = [...(this.indices.get(index)?.values() ?? [])];
    const prefix = body.query?.prefix;
    const match = body.query?.match;
    let hits: Record<string, unknown>[];
    if (prefix && Object.keys(prefix).length === 1) {
      const [[name, { value, case_insensitive }]] = Object.entries(prefix);
      const fold = (s: string) => (case_insensitive ? s.toLowerCase() : s);
      hits = documents.filter((d) => fold(String(d[name])).startsWith(fold(value)));
    } else if (match && Object.keys(match).length === 1) {
      const [[name, { query, operator }]] = Object.entries(match);
      if (operator !== 'and') {
        send(res, 400, { error: { type: 'fake_unsupported', reason: 'operator' } });
        return;
      }
      const wanted = words(query);
      hits =
        wanted.length === 0 ? [] : documents.filter((d) => wanted.every((w) => words(String(d[name])).includes(w)));
    } else {
      send(res, 400, { error: { type: 'fake_unsupported', reason: JSON.stringify(body.query) } });
      return;
    }
    const [sort] = body.sort ?? [];
    if (sort) {
      const [[name, { order }]] = Object.entries(sort);
      const key = (d: Record<string, unknown>) => (name === 'id' ? Number(d[name]) : String(d[name]));
      hits.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (order === 'desc' ? -1 : 1));
    }
    const page = hits.slice(0, body.size ?? 10);
    send(res, 200, {
      took: 1,
      timed_out: false,
      hits: {
        max_score: null,
        hits: page.map((d) => ({ _index: index, _id: String(d.id), _score: null, _source: d })),
      },
    });
  }

  /** Recomputes the request's signature with the AWS SDK signer over the headers it claims to have signed. */
  private async verifySignature(req: IncomingMessage, url: URL, body: string): Promise<boolean> {
    const authorization = String(req.headers.authorization ?? '');
    const parsed =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(
        authorization,
      );
    if (!parsed) return false;
    const [, accessKeyId, , region, service, signedHeaders] = parsed;
    if (accessKeyId !== this.credentials.accessKeyId || region !== this.region || service !== 'es') return false;
    if (req.headers['x-amz-content-sha256'] !== createHash('sha256').update(body).digest('hex')) return false;
    const headers: Record<string, string> = {};
    for (const name of signedHeaders.split(';')) headers[name] = String(req.headers[name] ?? '');
    const date = String(req.headers['x-amz-date']);
    const signingDate = new Date(
      `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
    );
    const signer = new SignatureV4({ credentials: this.credentials, region, service, sha256: NodeSha256 });
    const expected = await signer.sign(
      {
        method: req.method ?? 'GET',
        protocol: 'https:',
        hostname: headers.host ?? '127.0.0.1',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body,
      },
      { signingDate },
    );
    return expected.headers.authorization === authorization;
  }
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly signatureValid: boolean;
}

interface SearchBody {
  size?: number;
  query?: {
    prefix?: Record<string, { value: string; case_insensitive?: boolean }>;
    match?: Record<string, { query: string; operator?: string }>;
  };
  sort?: Record<string, { order: 'asc' | 'desc' }>[];
}

/** The SHA-256 (and HMAC-SHA-256) constructor the SDK signer expects, on node:crypto. */
class NodeSha256 {
  private readonly hash;

  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }

  update(data: Data): void {
    this.hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

type Data = string | ArrayBuffer | ArrayBufferView;

function bytes(data: Data): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status, { 'content-length': '0' }).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
