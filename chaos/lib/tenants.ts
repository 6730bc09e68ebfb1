import { randomBytes, randomInt } from 'node:crypto';
import { withConnection } from '@autoposter/db';
import { samplePng } from '@autoposter/media/test-samples';
import { seedSandboxAccounts, type RunningStack } from '@autoposter/stack';
import { ApiClient } from './api.ts';
import { Workload, type PlannedDelivery } from './workload.ts';

/** A user with data of every kind, each piece carrying a marker only this user's data holds. */
export interface Tenant {
  label: string;
  api: ApiClient;
  userId: string;
  /** In the email, account names, a file name, an alt text and a webhook URL. */
  marker: string;
  /** Started posts (one delivery each), published before the fuzz. */
  started: PlannedDelivery[];
  /** Posts scheduled a year ahead, and one never started. */
  waiting: PlannedDelivery[];
}

const YEAR_MS = 365 * 24 * 3600_000;

/**
 * Registers a user and gives it accounts of every kind, an image, posts published over the
 * four channels (a posting job), posts scheduled a year ahead, a draft and a webhook: everything
 * `GET`-able by id. The webhook comes last, once the deliveries are settled, so it is never called.
 */
export async function seedTenant(stack: RunningStack, label: string, publishCount: number): Promise<Tenant> {
  const marker = `${label}${randomBytes(5).toString('hex')}`;
  const api = await ApiClient.register(stack.urls.api, `${marker}@example.com`);
  const me = await api.expect<{ id: string }>(200, 'GET', '/api/auth/me');
  const accounts = {
    sets: [await seedSandboxAccounts({ apiUrl: api.base, token: api.token, fakeGraphUrl: stack.urls.fakeGraph!, fakeFacebookUrl: stack.urls.fakeFacebook!, namePrefix: marker })],
    browserUsers: [],
  };
  // Of a size of its own, so its bytes (and their sha256) are this user's alone.
  const image = await api.upload(`${marker}.png`, 'image/png', samplePng(40 + randomInt(10_000), 30));
  await api.expect(200, 'PATCH', `/api/media/${image.id}`, { alt_text: `A chair (${marker})` });
  const workload = await Workload.prepare(api, accounts);
  const started = await workload.createAndStart(publishCount);
  const waiting = [...(await workload.create(2, new Date(Date.now() + YEAR_MS))), ...(await workload.create(1))];
  return { label, api, userId: me.id, marker, started, waiting };
}

export async function addWebhook(tenant: Tenant): Promise<void> {
  await tenant.api.expect(201, 'POST', '/api/webhooks', { url: `http://127.0.0.1:9/hooks/${tenant.marker}`, events: ['delivery.posted', 'job.completed'] });
}

/** Every table that holds a user's data, with the rows that are `$1`'s and each row's key. */
const OWNED: { table: string; key: string; owned: string }[] = [
  { table: 'users', key: 'id::text', owned: 'id = $1' },
  { table: 'accounts', key: 'id::text', owned: 'user_id = $1' },
  { table: 'media', key: 'id::text', owned: 'user_id = $1' },
  { table: 'posts', key: 'id::text', owned: 'user_id = $1' },
  { table: 'posting_jobs', key: 'id::text', owned: 'user_id = $1' },
  { table: 'posting_job_posts', key: "job_id || '/' || post_id", owned: 'job_id in (select id from posting_jobs where user_id = $1)' },
  { table: 'deliveries', key: 'id::text', owned: 'user_id = $1' },
  { table: 'delivery_attempts', key: 'id::text', owned: 'user_id = $1' },
  { table: 'delivery_logs', key: 'id::text', owned: 'delivery_id in (select id from deliveries where user_id = $1)' },
  { table: 'artifacts', key: 'id::text', owned: 'user_id = $1' },
  { table: 'idempotency_keys', key: 'key', owned: 'user_id = $1' },
  { table: 'webhooks', key: 'id::text', owned: 'user_id = $1' },
  { table: 'webhook_calls', key: 'id::text', owned: 'webhook_id in (select id from webhooks where user_id = $1)' },
];

/** Table/key -> the whole row as JSON (encrypted credentials as stored, never decrypted). */
export type Snapshot = Map<string, string>;


export function snapshot(databaseUrl: string, userId: string): Promise<Snapshot> {
  return withConnection(databaseUrl, async (client) => {
    const rows: Snapshot = new Map();
    for (const { table, key, owned } of OWNED) {
      const { rows: found } = await client.query<{ key: string; row: string }>(`select ${key} as key, row_to_json(t)::text as row from ${table} t where ${owned}`, [userId]);
      for (const { key: rowKey, row } of found) rows.set(`${table}/${rowKey}`, row);
    }
    return rows;
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The UUIDs of the user's rows: what an attacker would try in an id position. `sample`: one of
 * each table, and of posts and deliveries one of each status (the short round).
 */
export function idsOf(databaseUrl: string, userId: string, sample = false): Promise<string[]> {
  return withConnection(databaseUrl, async (client) => {
    const ids: string[] = [];
    for (const { table, owned } of OWNED.filter(({ key }) => key === 'id::text')) {
      const byStatus = sample && (table === 'posts' || table === 'deliveries');
      const query = byStatus
        ? `select distinct on (status) id::text from ${table} where ${owned}`
        : `select id::text from ${table} where ${owned} ${sample ? 'limit 1' : ''}`;
      const { rows } = await client.query<{ id: string }>(query, [userId]);
      ids.push(...rows.map((row) => row.id).filter((id) => UUID.test(id)));
    }
    return ids;
  });
}

/** The sha256 of the user's files that no other user has (a file anyone may have says nothing). */
export function ownFileHashes(databaseUrl: string, userId: string): Promise<string[]> {
  return withConnection(databaseUrl, async (client) => {
    const { rows } = await client.query<{ sha256: string }>(
      'select distinct sha256 from media m where user_id = $1 and not exists (select 1 from media o where o.sha256 = m.sha256 and o.user_id <> m.user_id)',
      [userId],
    );
    return rows.map((row) => row.sha256);
  });
}

/** What differs: rows of `before` changed (which columns) or gone, and (unless `newRowsAllowed`) rows that appeared. */
export function differences(before: Snapshot, after: Snapshot, newRowsAllowed: boolean): string[] {
  const found: string[] = [];
  for (const [key, row] of before) {
    const now = after.get(key);
    if (now === undefined) found.push(`${key} gone`);
    else if (now !== row) found.push(`${key} changed: ${changedColumns(JSON.parse(row), JSON.parse(now))}`);
  }
  if (!newRowsAllowed) for (const key of after.keys()) if (!before.has(key)) found.push(`${key} appeared`);
  return found;
}

function changedColumns(was: Record<string, unknown>, now: Record<string, unknown>): string {
  const short = (value: unknown) => JSON.stringify(value)?.slice(0, 80);
  return Object.keys({ ...was, ...now })
    .filter((column) => JSON.stringify(was[column]) !== JSON.stringify(now[column]))
    .map((column) => `${column} ${short(was[column])} -> ${short(now[column])}`)
    .join(', ');
}

/** Rows of one user that point at another user's rows, in the whole database. */
const CROSS_USER_LINKS: Record<string, string> = {
  "a delivery on another user's account": 'select d.id from deliveries d join accounts a on a.id = d.account_id where a.user_id <> d.user_id',
  "a delivery of another user's post": 'select d.id from deliveries d join posts p on p.id = d.post_id where p.user_id <> d.user_id',
  "a delivery in another user's job": 'select d.id from deliveries d join posting_jobs j on j.id = d.posting_job_id where j.user_id <> d.user_id',
  "a post with another user's media": 'select p.id from posts p join media m on m.id = any(p.media_ids) or m.id = p.video_media_id where m.user_id <> p.user_id',
  "a job with another user's post": 'select jp.job_id from posting_job_posts jp join posting_jobs j on j.id = jp.job_id join posts p on p.id = jp.post_id where j.user_id <> p.user_id',
  "an attempt of another user's delivery": 'select a.id from delivery_attempts a join deliveries d on d.id = a.delivery_id where a.user_id <> d.user_id',
  "an artifact of another user's delivery": 'select a.id from artifacts a join deliveries d on d.id = a.delivery_id where a.user_id <> d.user_id',
};

export function crossUserLinks(databaseUrl: string): Promise<string[]> {
  return withConnection(databaseUrl, async (client) => {
    const found: string[] = [];
    for (const [what, query] of Object.entries(CROSS_USER_LINKS)) {
      const { rows } = await client.query<{ id: string }>(query);
      found.push(...rows.map((row) => `${what}: ${Object.values(row)[0]}`));
    }
    return found;
  });
}

/**
 * Deliveries of an account whose session is invalid, or which Facebook blocked for a while, wait
 * by design until a person updates the session or the cooldown ends: they are settled, not open.
 */
const WAITING_ON_A_PERSON = `(a.session_valid = false or a.cooldown_until > now())`;

/**
 * Waits until no delivery is queued, publishing or retrying, nor scheduled within a minute:
 * the fuzz's own users start posts, and the next drill on a shared stack should not inherit them.
 */
export async function waitUntilQuiet(databaseUrl: string, timeoutMs: number): Promise<{ quiet: boolean; ms: number; open: number }> {
  const started = Date.now();
  let open = 0;
  while (Date.now() - started < timeoutMs) {
    open = await withConnection(databaseUrl, async (client) => {
      const { rows } = await client.query<{ open: number }>(
        `select count(*)::int as open from deliveries d join accounts a on a.id = d.account_id
          where (d.status = 'processing' or (d.status in ('queued', 'retrying') and not ${WAITING_ON_A_PERSON}))
             or (d.status = 'scheduled' and d.due_at < now() + interval '1 minute')`,
      );
      return rows[0]!.open;
    });
    if (open === 0) return { quiet: true, ms: Date.now() - started, open };
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return { quiet: false, ms: Date.now() - started, open };
}
