import { randomBytes } from 'node:crypto';
import { encryptJson, type Keyring } from '@autoposter/crypto';
import type { AccountKind, Channel, Db, DeliveryStatus } from '@autoposter/db';
import { schema } from '@autoposter/db';
import { createPostingJob } from '@autoposter/db/repositories/posting-jobs';
import { inArray } from 'drizzle-orm';

/** A keyring with one fresh key, for tests that store credentials. */
export const testKeyring = (): Keyring => ({ keys: [{ version: 'v1', key: randomBytes(32) }] });

/** Rows inserted straight into a test database, for tests that are not about creating them. */
export async function insertUser(db: Db, overrides: Partial<typeof schema.users.$inferInsert> = {}) {
  const [user] = await db
    .insert(schema.users)
    .values({ email: `u-${randomBytes(4).toString('hex')}@example.test`, passwordHash: 'x', ...overrides })
    .returning();
  return user!;
}

const defaultCredentials: Record<AccountKind, unknown> = {
  facebook_browser: { storage_state: { cookies: [{ name: 'c_user', value: 'secret-cookie-value' }], origins: [] } },
  facebook_page: { page_id: '1001', access_token: 'secret-page-token' },
  instagram_business: { ig_user_id: '2002', access_token: 'secret-ig-token' },
};

export async function insertAccount(
  db: Db,
  keyring: Keyring,
  userId: string,
  kind: AccountKind = 'facebook_page',
  overrides: Partial<typeof schema.accounts.$inferInsert> & { credentials?: unknown } = {},
) {
  const { credentials, ...rest } = overrides;
  const [account] = await db
    .insert(schema.accounts)
    .values({
      userId,
      kind,
      name: `${kind} account`,
      credentialsEncrypted: encryptJson(keyring, credentials ?? defaultCredentials[kind]),
      ...rest,
    })
    .returning();
  return account!;
}

export async function insertMedia(db: Db, userId: string, overrides: Partial<typeof schema.media.$inferInsert> = {}) {
  const [row] = await db
    .insert(schema.media)
    .values({
      userId,
      mime: 'image/png',
      sizeBytes: 68,
      sha256: randomBytes(32).toString('hex'),
      // A size every channel takes (Instagram wants 320-1440 px wide, 4:5 to 1.91:1).
      width: 1080,
      height: 1080,
      storageKey: `${userId}/${randomBytes(8).toString('hex')}.png`,
      ...overrides,
    })
    .returning();
  return row!;
}

export interface PostFixtureTarget {
  channel: Channel;
  accountId: string;
  targetId?: string | null;
  status?: DeliveryStatus;
  dueAt?: Date | null;
}

/** A post with one delivery per target (status `pending` unless given). */
export async function insertPost(
  db: Db,
  userId: string,
  targets: PostFixtureTarget[],
  overrides: Partial<typeof schema.posts.$inferInsert> = {},
) {
  const [post] = await db
    .insert(schema.posts)
    .values({ userId, title: 'Test post', body: 'Hello from a test', ...overrides })
    .returning();
  const deliveries = targets.length
    ? await db
        .insert(schema.deliveries)
        .values(
          targets.map((t) => ({
            postId: post!.id,
            userId,
            channel: t.channel,
            accountId: t.accountId,
            targetId: t.targetId ?? null,
            status: t.status ?? 'pending',
            dueAt: t.dueAt ?? null,
          })),
        )
        .returning()
    : [];
  return { post: post!, deliveries };
}

/** A posting job over these deliveries, which join it (as startRun makes them), without starting a run. */
export async function insertPostingJob(db: Db, userId: string, deliveries: { id: string; postId: string }[]) {
  const job = await createPostingJob(db, { userId, trigger: 'start_posting', deliveries });
  await db.update(schema.deliveries).set({ postingJobId: job.id }).where(inArray(schema.deliveries.id, deliveries.map((d) => d.id)));
  return job;
}
