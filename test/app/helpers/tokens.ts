import { SignJWT } from 'jose';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Tokens an attacker might send: unsigned, signed with another key, expired, or with another HMAC. */
export async function forgedTokens(secret: string, userId: string, username: string) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: userId, username, iat: now, exp: now + 3600 };
  const sign = (key: string, alg: string, payload: Record<string, unknown>) =>
    new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(key));
  return {
    algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
    wrongKey: await sign('another-secret-that-is-also-32-characters', 'HS256', claims),
    expired: await sign(secret, 'HS256', { ...claims, iat: now - 7200, exp: now - 3600 }),
    farFutureExpiry: await sign(secret, 'HS256', { ...claims, exp: Math.floor(Date.UTC(2100, 0, 1) / 1000) }),
    futureIssuedAt: await sign(secret, 'HS256', { ...claims, iat: now + 3600, exp: now + 7200 }),
    noIssuedAt: await sign(secret, 'HS256', { sub: userId, username, exp: now + 3600 }),
    hs512: await sign(secret.padEnd(64, 'x'), 'HS512', claims),
    tamperedPayload: await sign(secret, 'HS256', claims).then((t) => {
      const [h, , s] = t.split('.');
      return `${h}.${b64({ ...claims, sub: '999' })}.${s}`;
    }),
  };
}
