import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The response headers helmet sets with `options`, worked out once. @fastify/helmet builds helmet's middleware
 * again on every request (parsing the CSP directives each time), which was the largest single cost of a cached
 * feed read. With no CSP nonces and no directive computed from the request, helmet's answer is the same for
 * every request, so it is recorded here and copied onto each reply.
 *
 * Known limit: a CSP directive given as a function of the request, or per-request nonces, cannot be recorded;
 * this refuses such options rather than freezing one request's value.
 */
export function securityHeaders(options: Readonly<HelmetOptions> = {}): Readonly<Record<string, string>> {
  if (usesRequestDependentDirectives(options)) {
    throw new Error('securityHeaders: contentSecurityPolicy.directives must not compute a value from the request');
  }
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return Object.freeze(headers);
}

function usesRequestDependentDirectives(options: Readonly<HelmetOptions>): boolean {
  const csp = options.contentSecurityPolicy;
  if (typeof csp !== 'object' || csp === null || !csp.directives) return false;
  return Object.values(csp.directives).some(
    (value) =>
      typeof value === 'function' || (Array.isArray(value) && value.some((item) => typeof item === 'function')),
  );
}
