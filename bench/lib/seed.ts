import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { encryptJson, type Keyring } from '@autoposter/crypto';
import type { Channel, Db } from '@autoposter/db';
import { createAccount, type AccountLimitsOverride } from '@autoposter/db/repositories/accounts';
import { createUser } from '@autoposter/db/repositories/users';

export const benchKeyring = (): Keyring => ({ keys: [{ version: 'v1', key: randomBytes(32) }] });

export async function seedUser(db: Db): Promise<string> {
  const email = `bench-${randomBytes(4).toString('hex')}@example.test`;
  const user = await createUser(db, { email, passwordHash: 'not-a-login' });
  return user!.id;
}

/** Facebook page accounts (credentials encrypted as the gateway stores them) with the given pacing limits. */
export async function seedPageAccounts(db: Db, keyring: Keyring, userId: string, count: number, limits: AccountLimitsOverride = {}) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const credentials = encryptJson(keyring, { page_id: `${1000 + i}`, access_token: `bench-token-${i}` });
    ids.push((await createAccount(db, userId, { kind: 'facebook_page', name: `bench page ${i}`, email: null, credentialsEncrypted: credentials, limits })).id);
  }
  return ids;
}

export interface SeedPostsInput {
  userId: string;
  /** Deliveries go to these accounts in turn. */
  accountIds: string[];
  channel: Channel;
  count: number;
  /** SQL over `i` (1..count): each post's one delivery status. */
  deliveryStatus: string;
  /** SQL over `i`: the delivery's due_at (and the post's scheduled_at when it is scheduled). */
  dueAt?: string;
}

/**
 * `count` posts with one delivery each, in one INSERT ... SELECT generate_series statement.
 * The status trigger is off meanwhile (session_replication_role = replica: one trigger run per
 * row would dominate), so posts.status is set to what the trigger derives from a single
 * delivery; a sample is then checked against derive_post_status itself. Ends with VACUUM
 * ANALYZE, so the planner sees the tables as they now are.
 */
export async function seedPosts(pool: pg.Pool, input: SeedPostsInput): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('set local session_replication_role = replica');
    await client.query(
      `with seeded as materialized (
         select i, gen_random_uuid() as post_id, now() - i * interval '1 millisecond' as created_at,
                ($3::uuid[])[1 + i % cardinality($3::uuid[])] as account_id,
                ${input.deliveryStatus} as status, ${input.dueAt ?? 'null::timestamptz'} as due_at
         from generate_series(1, $2::int) as i
       ), seeded_posts as (
         insert into posts (id, user_id, title, body, status, scheduled_at, created_at, updated_at)
         select post_id, $1, 'Seeded post ' || i, 'Body of seeded post number ' || i,
                case status when 'posted' then 'published' when 'failed' then 'failed' when 'scheduled' then 'scheduled'
                            when 'pending' then 'pending' when 'canceled' then 'canceled' else 'processing' end,
                case when status = 'scheduled' then due_at end, created_at, created_at
         from seeded
       )
       insert into deliveries (post_id, user_id, channel, account_id, status, due_at, attempt_count, posted_at, created_at, updated_at)
       select post_id, $1, $4, account_id, status, due_at, case when status in ('posted', 'failed') then 1 else 0 end,
              case when status = 'posted' then created_at + interval '1 minute' end, created_at, created_at
       from seeded`,
      [input.userId, input.count, input.accountIds, input.channel],
    );
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
  await assertStatusesDerived(pool, input.userId);
  await pool.query('vacuum analyze posts, deliveries');
}

async function assertStatusesDerived(pool: pg.Pool, userId: string) {
  const { rows } = await pool.query<{ checked: number; drifted: number }>(
    `select count(*)::int as checked, count(*) filter (where status <> derive_post_status(id))::int as drifted
     from posts tablesample system (1) where user_id = $1`,
    [userId],
  );
  const { checked, drifted } = rows[0]!;
  if (drifted > 0) throw new Error(`${drifted} of ${checked} sampled seeded posts have a status the trigger would not derive`);
}
