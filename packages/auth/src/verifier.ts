import type { DbOrTx } from '@autoposter/db';
import { findTokenUser, type TokenUser } from '@autoposter/db/repositories/users';
import { createClaimsReader, TokenRejectedError } from './tokens.ts';

export type Role = 'admin' | 'user';

/** The user a request acts as, as the database has them now (not as the token remembers them). */
export interface AuthenticatedUser {
  id: string;
  email: string;
  role: Role;
}

/**
 * Admin is the stored role (the first user registered) or an email listed in `ADMIN_EMAILS`
 * now: taking an email off the list takes the role away.
 */
export function effectiveRole(user: { email: string; role: string }, adminEmails: ReadonlySet<string>): Role {
  return user.role === 'admin' || adminEmails.has(user.email.toLowerCase()) ? 'admin' : 'user';
}

/** The contract's bound: a deleted user, a revoked token or a role taken away counts within a minute. */
export const MAX_USER_CACHE_MS = 60_000;

export interface TokenVerifierOptions {
  db: DbOrTx;
  secret: string;
  adminEmails: ReadonlySet<string>;
  /** How long a user read from the database is trusted (at most MAX_USER_CACHE_MS). */
  userCacheMs?: number;
  /** Users remembered at once; the oldest entry goes first. */
  userCacheSize?: number;
  now?: () => number;
}

export interface TokenVerifier {
  /** The token's user, or TokenRejectedError: bad signature, expired, invalid claims, user gone, or revoked. */
  verify(token: string): Promise<AuthenticatedUser>;
  /** Drops a user from this process's cache, after a change to them here (revocation, deletion). */
  forget(userId: string): void;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const cacheMs = options.userCacheMs ?? 30_000;
  if (cacheMs < 0 || cacheMs > MAX_USER_CACHE_MS) throw new Error(`userCacheMs must be between 0 and ${MAX_USER_CACHE_MS}`);
  const cacheSize = options.userCacheSize ?? 10_000;
  const now = options.now ?? Date.now;
  const readClaims = createClaimsReader(options.secret);
  const users = new Map<string, { user: TokenUser; until: number }>();

  async function currentUser(userId: string): Promise<TokenUser | null> {
    const cached = users.get(userId);
    if (cached && cached.until > now()) return cached.user;
    users.delete(userId);
    const user = await findTokenUser(options.db, userId);
    // Only existing users are kept: a deleted one is looked up again (its tokens are signed, so rare).
    if (user && cacheMs > 0) {
      if (users.size >= cacheSize) users.delete(users.keys().next().value!);
      users.set(userId, { user, until: now() + cacheMs });
    }
    return user;
  }

  return {
    async verify(token) {
      const claims = readClaims(token);
      const user = await currentUser(claims.sub);
      if (!user) throw new TokenRejectedError('unknown_user', 'This account no longer exists');
      if (claims.gen !== user.tokenGeneration) throw new TokenRejectedError('revoked', 'This token was revoked; sign in again');
      return { id: user.id, email: user.email, role: effectiveRole(user, options.adminEmails) };
    },
    forget: (userId) => users.delete(userId),
  };
}
