import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, insertAccount, insertPost, insertUser, testKeyring, type TestDatabase, type TestRedis } from '@autoposter/testing';
import { createEngine, type Engine } from './engine.ts';

let db: TestDatabase;
let redis: TestRedis;
let engine: Engine;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await createTestRedis();
  engine = createEngine({
    db: db.db,
    redis: redis.client,
    prefix: redis.prefix,
    logger: silent,
    settings: { maxAttempts: 5, horizonMs: 60_000, dispatchIntervalMs: 5_000, retentionDays: 90 },
  });
});
afterAll(async () => {
  await engine.close();
  await redis.destroy();
  await db.destroy();
});

const count = async (table: string, deliveryId: string) =>
  (await db.pool.query<{ n: number }>(`select count(*)::int as n from ${table} where delivery_id = $1`, [deliveryId])).rows[0]!.n;

async function historyFor(deliveryId: string, userId: string, ageDays: number) {
  const at = `now() - interval '${ageDays} days'`;
  await db.pool.query(
    `insert into delivery_attempts (delivery_id, user_id, attempt_no, started_at, finished_at, outcome) values ($1, $2, ${ageDays}, ${at}, ${at}, 'failed')`,
    [deliveryId, userId],
  );
  await db.pool.query(`insert into delivery_logs (delivery_id, level, message, created_at) values ($1, 'INFO', 'step', ${at})`, [deliveryId]);
}

describe('retention pass', () => {
  it('deletes history older than RETENTION_DAYS of finished deliveries, and keeps the rest', async () => {
    const user = await insertUser(db.db);
    const account = await insertAccount(db.db, testKeyring(), user.id, 'facebook_page');
    const { deliveries: [finished] } = await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id, status: 'posted' }]);
    const { deliveries: [live] } = await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id, status: 'retrying' }]);
    await historyFor(finished!.id, user.id, 120);
    await historyFor(finished!.id, user.id, 10);
    await historyFor(live!.id, user.id, 120);
    await db.pool.query(
      `insert into posting_jobs (user_id, trigger, status, completed_at, created_at) values ($1, 'start_posting', 'completed', now() - interval '100 days', now() - interval '100 days'), ($1, 'start_posting', 'completed', now() - interval '1 day', now() - interval '1 day')`,
      [user.id],
    );
    await db.pool.query(
      `insert into idempotency_keys (user_id, key, request_hash, created_at) values ($1, 'old', 'h', now() - interval '25 hours'), ($1, 'new', 'h', now())`,
      [user.id],
    );
    const webhook = await db.pool.query<{ id: string }>(
      `insert into webhooks (user_id, url, events, secret_encrypted) values ($1, 'https://hooks.example.com/x', '{delivery.posted}', 'sealed') returning id`,
      [user.id],
    );
    await db.pool.query(
      `insert into webhook_calls (webhook_id, event_id, event_type, attempt, status_code, duration_ms, created_at)
       values ($1, '1-0', 'delivery.posted', 1, 200, 5, now() - interval '120 days'), ($1, '2-0', 'delivery.posted', 1, 200, 5, now())`,
      [webhook.rows[0]!.id],
    );

    const { deliveries: [failed] } = await insertPost(db.db, user.id, [{ channel: 'facebook_page', accountId: account.id, status: 'failed' }]);
    await db.pool.query(
      `insert into delivery_attempts (delivery_id, user_id, attempt_no, started_at, finished_at, outcome, outcome_unknown) values ($1, $2, 1, now() - interval '120 days', now() - interval '120 days', 'abandoned', true)`,
      [failed!.id, user.id],
    );
    const screenshot = await db.pool.query<{ id: string }>(
      `insert into artifacts (user_id, delivery_id, mime, data, created_at) values ($1, $2, 'image/png', '\\x00', now() - interval '120 days') returning id`,
      [user.id, finished!.id],
    );
    await db.pool.query(`update delivery_attempts set screenshot_artifact_id = $1 where delivery_id = $2 and attempt_no = 10`, [screenshot.rows[0]!.id, finished!.id]);

    const result = await engine.retentionPass();

    expect(result).toMatchObject({ attempts: 1, logs: 1, jobs: 1, idempotencyKeys: 1, artifacts: 0, webhookCalls: 1 });
    expect(await count('delivery_attempts', failed!.id)).toBe(1);
    expect(await count('artifacts', finished!.id)).toBe(1);
    expect(await count('delivery_attempts', finished!.id)).toBe(1);
    expect(await count('delivery_logs', finished!.id)).toBe(1);
    expect(await count('delivery_attempts', live!.id)).toBe(1);
    expect(await count('delivery_logs', live!.id)).toBe(1);
    const keys = await db.pool.query<{ key: string }>('select key from idempotency_keys');
    expect(keys.rows.map((r) => r.key)).toEqual(['new']);
  });
});
