/**
 * PLACEHOLDER service entry point, written on the `fleet` branch only so that the fleet's asset has
 * something to bundle and the user data has something to run. The real service (issue 3) replaces
 * this file at merge; keep nothing from it.
 *
 * Answers `GET /health` with 200 on `PORT`, over HTTPS when `TLS_CERT_FILE` and `TLS_KEY_FILE` are
 * set (as on the fleet, where the ALB reaches instances over TLS), plain HTTP otherwise.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

function handle(request: IncomingMessage, response: ServerResponse): void {
  const healthy = request.method === 'GET' && request.url === '/health';
  response.writeHead(healthy ? 200 : 404, { 'content-type': 'application/json' });
  response.end(JSON.stringify(healthy ? { status: 'healthy' } : { error: 'not found' }));
}

const port = Number(process.env.PORT ?? 8443);
const { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile } = process.env;
const server =
  certFile && keyFile
    ? createHttpsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, handle)
    : createHttpServer(handle);

// Longer than the ALB idle timeout (60 s), so the ALB never reuses a connection the server closed.
server.keepAliveTimeout = 65_000;
server.listen(port);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
