import bcrypt from 'bcryptjs';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppError } from './errors';

/** bcrypt work factor from the seed (2^10 rounds). */
export const BCRYPT_COST = 10;
/** Token lifetime from the seed. */
export const TOKEN_TTL_SECONDS = 3600;
/** Clock skew allowed between the fleet's hosts when checking `iat` and `exp`. */
export const TOKEN_CLOCK_TOLERANCE_SECONDS = 30;

/** The identity a valid token carries. */
export interface Principal {
  readonly userId: string;
  readonly username: string;
}

/** bcrypt reads only the first 72 bytes of a password: longer ones are refused, never truncated. */
export const PASSWORD_MAX_BYTES = 72;

/** Whether the password fits in what bcrypt reads (72 bytes in UTF-8, not 72 characters). */
export function passwordFits(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= PASSWORD_MAX_BYTES;
}

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

// Compared against when the user does not exist, so that an unknown user costs the same time as a wrong password.
const DUMMY_HASH = bcrypt.hashSync('not-a-real-password', BCRYPT_COST);

/** A password over 72 bytes never matches (bcrypt would compare its first 72 bytes only); it costs the same time. */
export function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  const fits = passwordFits(password);
  return bcrypt
    .compare(fits ? password : '', fits ? (hash ?? DUMMY_HASH) : DUMMY_HASH)
    .then((ok) => ok && fits && hash !== undefined);
}

/**
 * Issues and verifies HS256 JWTs; any other algorithm (including `none`) is refused. Tokens that verified are
 * remembered (bounded, until their own expiry) so that a client's repeated requests skip the HMAC check: a
 * token is immutable, so a token that was valid stays valid until `exp`.
 */
export class Tokens {
  private readonly key: Uint8Array;
  private readonly verified = new Map<string, { principal: Principal; expiresAtMs: number }>();

  constructor(
    secret: string,
    private readonly maxRemembered = 50_000,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(principal: Principal): Promise<{ token: string; expiresAt: string }> {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ username: principal.username })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(principal.userId)
      .setIssuedAt(now)
      .setExpirationTime(now + TOKEN_TTL_SECONDS)
      .sign(this.key);
    return { token, expiresAt: new Date((now + TOKEN_TTL_SECONDS) * 1000).toISOString() };
  }

  /** Returns the principal of a valid token; throws UNAUTHENTICATED or TOKEN_EXPIRED. */
  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known && known.expiresAtMs > Date.now()) return known.principal;
    try {
      // maxTokenAge refuses an `iat` in the future or older than a token lives; a token this service issued
      // also never lives longer than TOKEN_TTL_SECONDS, which jose cannot check (exp - iat).
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'iat', 'sub'],
        maxTokenAge: TOKEN_TTL_SECONDS,
        clockTolerance: TOKEN_CLOCK_TOLERANCE_SECONDS,
      });
      const lifetime = (payload.exp ?? 0) - (payload.iat ?? 0);
      if (lifetime > TOKEN_TTL_SECONDS + TOKEN_CLOCK_TOLERANCE_SECONDS) throw new AppError('UNAUTHENTICATED');
      if (typeof payload.sub !== 'string' || !/^\d{1,19}$/.test(payload.sub) || typeof payload.username !== 'string') {
        throw new AppError('UNAUTHENTICATED');
      }
      const principal = { userId: payload.sub, username: payload.username };
      this.remember(token, principal, (payload.exp ?? 0) * 1000);
      return principal;
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof joseErrors.JWTExpired)
        throw new AppError('TOKEN_EXPIRED', undefined, undefined, {}, { cause: err });
      throw new AppError('UNAUTHENTICATED', undefined, undefined, {}, { cause: err });
    }
  }

  private remember(token: string, principal: Principal, expiresAtMs: number): void {
    if (this.verified.size >= this.maxRemembered) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(token, { principal, expiresAtMs });
  }
}
