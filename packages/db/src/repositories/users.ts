import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { users } from '../schema.ts';
import type { UserRole } from '../statuses.ts';

export type User = typeof users.$inferSelect;

// Registrations take this lock so that of two simultaneous first sign-ups only one sees an empty table.
const REGISTRATION_LOCK_ID = 7_246_215_101;

/**
 * Inserts a user, or returns null when the email is taken (emails are unique case-insensitively).
 * The first user ever registered is stored as admin; `ADMIN_EMAILS` is applied when a token is
 * checked (`@autoposter/auth`), so that taking an email off it takes the role away.
 */
export async function createUser(db: DbOrTx, input: { email: string; passwordHash: string }): Promise<User | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${REGISTRATION_LOCK_ID})`);
    const [anyone] = await tx.select({ id: users.id }).from(users).limit(1);
    const role: UserRole = anyone ? 'user' : 'admin';
    const [user] = await tx
      .insert(users)
      .values({ email: input.email, passwordHash: input.passwordHash, role })
      .onConflictDoNothing()
      .returning();
    return user ?? null;
  });
}

export async function findUserByEmail(db: DbOrTx, email: string): Promise<User | null> {
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`);
  return user ?? null;
}

export async function findUserById(db: DbOrTx, userId: string): Promise<User | null> {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  return user ?? null;
}

/** What a token check needs of its user: who they are now, and which tokens still count. */
export type TokenUser = Pick<User, 'id' | 'email' | 'role' | 'tokenGeneration'>;

export async function findTokenUser(db: DbOrTx, userId: string): Promise<TokenUser | null> {
  const [user] = await db
    .select({ id: users.id, email: users.email, role: users.role, tokenGeneration: users.tokenGeneration })
    .from(users)
    .where(eq(users.id, userId));
  return user ?? null;
}

/** Revokes every token issued so far; returns the user with the new generation, null when the user is gone. */
export async function revokeTokens(db: DbOrTx, userId: string, changes: { passwordHash?: string } = {}): Promise<User | null> {
  const [user] = await db
    .update(users)
    .set({ ...changes, tokenGeneration: sql`${users.tokenGeneration} + 1` })
    .where(eq(users.id, userId))
    .returning();
  return user ?? null;
}

/** Locks the user's row until the transaction ends; false when there is none. */
export async function lockUser(db: DbOrTx, userId: string): Promise<boolean> {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
  return Boolean(user);
}

/** Deletes the user; every row they own goes with it (the foreign keys cascade). */
export async function deleteUser(db: DbOrTx, userId: string): Promise<boolean> {
  const rows = await db.delete(users).where(eq(users.id, userId)).returning({ id: users.id });
  return rows.length > 0;
}
