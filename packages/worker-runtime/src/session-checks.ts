import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keyring } from '@autoposter/crypto';
import type { Db } from '@autoposter/db';
import { accountHealthStatus } from '@autoposter/db/repositories/account-health-status';
import { listAccountsOfKind, recordSessionCheck, type AccountRow } from '@autoposter/db/repositories/account-health';
import { findAccount } from '@autoposter/db/repositories/accounts';
import type { Logger } from '@autoposter/logger';
import { classifyError, type AccountKind, type Publisher, type SessionCheck } from '@autoposter/publisher';
import { accountHealthEvent, queueNames, schedulerIds, type JobPayloads, type SessionCheckAnswer } from '@autoposter/queue';
import { connectionForEvents, EventPublisher } from './events.ts';
import { toPublishAccount } from './publish-content.ts';
import { Redactor } from './redaction.ts';

type SessionJob = Job<JobPayloads['check-session'] | JobPayloads['session-sweep'], SessionCheckAnswer | { checked: number }>;

export interface SessionCheckWorkerOptions {
  publisher: Publisher;
  /** The account kinds this worker can check (the marketplace worker: facebook_browser). */
  kinds: readonly AccountKind[];
  db: Db;
  connection: Redis;
  prefix: string;
  keyring: Keyring;
  logger: Logger;
  /** One check gives up after this long (a visit that hangs). */
  checkTimeoutMs: number;
  /** How often every account is checked (0: never), and the pause between two accounts. */
  sweep: { intervalMs: number; gapMs: number };
}

export interface SessionCheckWorker {
  worker: Worker;
  close(): Promise<void>;
}

/**
 * Answers the gateway's `check-session` jobs with a real check by the publisher (a logged-in
 * visit, optionally a flow's form) and sweeps every account of its kinds periodically, one at a
 * time. Each result is recorded on the account; a change of health is an `account.health` event.
 */
export async function createSessionCheckWorker(options: SessionCheckWorkerOptions): Promise<SessionCheckWorker> {
  const { db, logger, publisher } = options;
  const eventConnection = connectionForEvents(options.connection);
  const events = new EventPublisher(eventConnection, options.prefix, logger);
  const closing = new AbortController();

  async function check(account: AccountRow, flow: 'marketplace' | null): Promise<SessionCheckAnswer> {
    if (!publisher.checkSession || !options.kinds.includes(account.kind as AccountKind)) {
      return { valid: false, temporary: true, message: `This worker cannot check ${account.kind} accounts`, error_type: null };
    }
    const redactor = new Redactor();
    let result: SessionCheck;
    try {
      const publishAccount = toPublishAccount(account, options.keyring);
      redactor.learnSecretsOf(publishAccount.credentials);
      const signal = AbortSignal.any([AbortSignal.timeout(options.checkTimeoutMs), closing.signal]);
      result = await publisher.checkSession(publishAccount, signal, flow ? { flow } : {});
    } catch (error) {
      const failure = classifyError(error);
      result = { valid: false, temporary: failure.temporary, errorType: failure.type, message: failure.message };
    }
    const answer: SessionCheckAnswer = {
      valid: result.valid,
      temporary: result.temporary ?? false,
      message: redactor.text(result.message),
      error_type: result.errorType ?? null,
      ...(result.flowCheck ? { flow_check: result.flowCheck } : {}),
    };
    await record(account, answer);
    return answer;
  }

  async function record(account: AccountRow, answer: SessionCheckAnswer) {
    const recorded = await recordSessionCheck(db, {
      userId: account.userId,
      accountId: account.id,
      valid: answer.valid,
      temporary: answer.temporary,
      message: answer.message,
    });
    if (!recorded) return;
    const now = new Date();
    // `account` was read just before the check: what the health was.
    const before = accountHealthStatus(account, now);
    const after = accountHealthStatus(recorded, now);
    if (before === after && account.sessionValid === recorded.sessionValid) return;
    events.send([{ event: accountHealthEvent(recorded, after, answer.message) }]);
  }

  let sweeping = false;
  /** Every account of the worker's kinds, one at a time, paced; blocked accounts are left alone. */
  async function sweep(): Promise<number> {
    if (sweeping) return 0;
    sweeping = true;
    try {
      return await sweepAll();
    } finally {
      sweeping = false;
    }
  }

  async function sweepAll(): Promise<number> {
    let checked = 0;
    for (const kind of options.kinds) {
      for (const account of await listAccountsOfKind(db, kind)) {
        if (closing.signal.aborted) return checked;
        if (account.cooldownUntil && account.cooldownUntil > new Date()) continue;
        if (checked > 0) await sleep(options.sweep.gapMs, undefined, { signal: closing.signal }).catch(() => undefined);
        const answer = await check(account, null);
        logger.info({ account_id: account.id, valid: answer.valid, temporary: answer.temporary }, 'session sweep checked an account');
        checked += 1;
      }
    }
    return checked;
  }

  const worker = new Worker(
    queueNames.sessionCheck,
    async (job: SessionJob) => {
      if (job.name === 'session-sweep') return { checked: await sweep() };
      const data = job.data as JobPayloads['check-session'];
      const account = await findAccount(db, data.user_id, data.account_id);
      if (!account) return { valid: false, temporary: false, message: 'The account no longer exists', error_type: null };
      return check(account, data.flow);
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      // A sweep (one job, long) never keeps a person's check waiting.
      concurrency: 2,
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 24 * 3600, count: 1000 },
    },
  );
  worker.on('error', (err) => logger.error({ err }, 'session check worker error'));

  const queue = new Queue(queueNames.sessionCheck, { connection: options.connection, prefix: options.prefix });
  if (options.sweep.intervalMs > 0) {
    await queue.upsertJobScheduler(schedulerIds.sessionSweep, { every: options.sweep.intervalMs }, { name: 'session-sweep', data: {} });
  } else {
    await queue.removeJobScheduler(schedulerIds.sessionSweep);
  }
  await queue.close();

  return {
    worker,
    async close() {
      closing.abort();
      await worker.close();
      await events.drain();
      eventConnection.disconnect();
    },
  };
}
