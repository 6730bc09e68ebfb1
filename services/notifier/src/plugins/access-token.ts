import { createVerifier } from 'fast-jwt';
import { UUID_REGEX, type Db } from '@autoposter/db';
import { findUserById } from '@autoposter/db/repositories/users';

export interface TokenHolder {
  userId: string;
  /** Epoch milliseconds, or null for a token without `exp`. */
  expiresAt: number | null;
}

export type VerifyAccessToken = (token: string) => Promise<TokenHolder | null>;

/**
 * The gateway's access tokens: signed with JWT_SECRET, not expired, `sub` a UUID of a user who
 * still exists. Null for anything else. The one place the notifier decides who a token is.
 */
export function accessTokenVerifier(secret: string, db: Db): VerifyAccessToken {
  const verify = createVerifier({ key: secret, cache: 10_000 });
  return async (token) => {
    let payload: { sub?: unknown; exp?: unknown };
    try {
      payload = verify(token) as typeof payload;
    } catch {
      return null;
    }
    if (typeof payload.sub !== 'string' || !UUID_REGEX.test(payload.sub)) return null;
    if (!(await findUserById(db, payload.sub))) return null;
    return { userId: payload.sub, expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null };
  };
}
