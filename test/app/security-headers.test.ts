import { securityHeaders } from '../../app/src/security-headers';

describe('securityHeaders', () => {
  test("records helmet's answer for the options given, names lowercased", () => {
    const headers = securityHeaders({ frameguard: { action: 'deny' }, strictTransportSecurity: false });

    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['strict-transport-security']).toBeUndefined();
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(Object.isFrozen(headers)).toBe(true);
  });

  test('refuses a CSP directive computed from the request, which one recording would freeze', () => {
    const build = () =>
      securityHeaders({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", () => "'nonce-abc'"] } } });

    expect(build).toThrow('contentSecurityPolicy.directives must not compute a value from the request');
  });
});
