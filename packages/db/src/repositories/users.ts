import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { users } from '../schema.ts';
import type { UserRole } from '../statuses.ts';

export type User = typeof users.$inferSelect;

// Registrations take this lock so that of two simultaneous first sign-ups only one sees an empty table.
const REGISTRATION_LOCK_ID = 7_246_215_101;

/**
 * Inserts a user, or returns null when the email is taken (emails are unique case-insensitively).
 * The first user ever registered is admin, as is anyone registered with `admin: true`.
 */
export async function createUser(
  db: DbOrTx,
  input: { email: string; passwordHash: string; admin: boolean },
): Promise<User | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${REGISTRATION_LOCK_ID})`);
    const [anyone] = await tx.select({ id: users.id }).from(users).limit(1);
    const role: UserRole = input.admin || !anyone ? 'admin' : 'user';
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
