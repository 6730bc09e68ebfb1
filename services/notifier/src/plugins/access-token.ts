import { createDecoder } from 'fast-jwt';
import { TokenRejectedError, createTokenVerifier } from '@autoposter/auth';
import type { Db } from '@autoposter/db';

export interface TokenHolder {
  userId: string;
  /** Epoch milliseconds, or null for a token without `exp`. */
  expiresAt: number | null;
}

export type VerifyAccessToken = (token: string) => Promise<TokenHolder | null>;

/**
 * The gateway's access tokens, checked as the gateway checks them (`@autoposter/auth`): signed
 * with JWT_SECRET, not expired, claims valid, a user who still exists and has not revoked it
 * (logout-all, a password change). Null for anything else. The one place the notifier decides
 * who a token is.
 */
export function accessTokenVerifier(secret: string, db: Db): VerifyAccessToken {
  // A short cache: the periodic recheck of open sockets then sees a revocation within seconds.
  const tokens = createTokenVerifier({ db, secret, adminEmails: new Set(), userCacheMs: 10_000 });
  const decode = createDecoder();
  return async (token) => {
    try {
      const user = await tokens.verify(token);
      const { exp } = decode(token) as { exp?: unknown };
      return { userId: user.id, expiresAt: typeof exp === 'number' ? exp * 1000 : null };
    } catch (err) {
      if (err instanceof TokenRejectedError) return null;
      throw err;
    }
  };
}
