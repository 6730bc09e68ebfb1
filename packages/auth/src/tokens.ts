import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import { UUID_REGEX } from '@autoposter/db';

/** What a token says: whose it is, and the generation of that user's tokens it was signed in. */
export interface TokenClaims {
  /** The user's id. */
  sub: string;
  /** `users.token_generation` when it was signed; an older one is revoked. Missing in tokens signed before revocation existed: 0. */
  gen: number;
}

export type RejectionReason = 'malformed' | 'expired' | 'invalid_claims' | 'unknown_user' | 'revoked';

/** A token that does not open anything, and why (for logs; clients get one 401 whatever the reason). */
export class TokenRejectedError extends Error {
  override name = 'TokenRejectedError';
  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
  }
}

const ALGORITHM = 'HS256';

/** Signs access tokens (the gateway does, at sign-up, login and password change). */
export function createTokenSigner(options: { secret: string; ttlSeconds: number }): (claims: TokenClaims) => string {
  const sign = createSigner({ key: options.secret, algorithm: ALGORITHM, expiresIn: options.ttlSeconds * 1000 });
  return (claims) => sign({ sub: claims.sub, gen: claims.gen });
}

/**
 * How many verified tokens fast-jwt remembers. A client sends the same token on every call, so
 * most requests skip decoding and the HMAC. An entry is only ever a token that verified, and it
 * lapses at the token's `exp`; a tampered token is another string, so it misses the cache.
 */
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** Checks signature and expiry, then the claims as untrusted input: returns them, or throws TokenRejectedError. */
export function createClaimsReader(secret: string): (token: string) => TokenClaims {
  const verify = createVerifier({ key: secret, algorithms: [ALGORITHM], cache: VERIFIED_TOKEN_CACHE_SIZE, requiredClaims: ['exp'] });
  return (token) => {
    let payload: unknown;
    try {
      payload = verify(token);
    } catch (err) {
      const expired = err instanceof TokenError && err.code === TokenError.codes.expired;
      throw new TokenRejectedError(expired ? 'expired' : 'malformed', expired ? 'The token has expired' : 'The token is not valid');
    }
    return readClaims(payload);
  };
}

function readClaims(payload: unknown): TokenClaims {
  const { sub, gen = 0 } = (payload ?? {}) as { sub?: unknown; gen?: unknown };
  if (typeof sub !== 'string' || !UUID_REGEX.test(sub)) throw new TokenRejectedError('invalid_claims', 'The token names no user id');
  if (typeof gen !== 'number' || !Number.isSafeInteger(gen) || gen < 0) {
    throw new TokenRejectedError('invalid_claims', 'The token carries an invalid generation');
  }
  return { sub: sub.toLowerCase(), gen };
}
