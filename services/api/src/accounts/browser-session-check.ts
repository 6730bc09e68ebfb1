import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Account } from '@autoposter/db/repositories/accounts';
import { queueNames, type JobPayloads, type SessionCheckAnswer } from '@autoposter/queue';
import { HttpError } from '../plugins/errors.ts';

export interface BrowserSessionChecker {
  /** Asks the marketplace worker for a real check and waits for its answer (504 past the timeout). */
  check(account: Account, flow: 'marketplace' | null): Promise<SessionCheckAnswer>;
  close(): Promise<void>;
}

const POLL_MS = 200;

/**
 * The gateway never starts a browser: it queues a `check-session` job for the worker that has
 * one and polls for its answer. A job nobody took in time is removed, so it does not run late.
 */
export function createBrowserSessionChecker(deps: { redis: Redis; prefix: string; timeoutMs: number }): BrowserSessionChecker {
  const queue = new Queue<JobPayloads['check-session'], SessionCheckAnswer>(queueNames.sessionCheck, { connection: deps.redis, prefix: deps.prefix });

  return {
    async check(account, flow) {
      const job = await queue.add(
        'check-session',
        { account_id: account.id, user_id: account.userId, flow },
        { removeOnComplete: { age: 600 }, removeOnFail: { age: 600 } },
      );
      const deadline = Date.now() + deps.timeoutMs;
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        const current = await Job.fromId<JobPayloads['check-session'], SessionCheckAnswer>(queue, job.id!);
        if (!current) break;
        if (current.finishedOn && current.returnvalue) return current.returnvalue;
        if (current.failedReason) throw new HttpError(502, 'session_check_failed', `The session check failed in the worker: ${current.failedReason}`);
      }
      await job.remove().catch(() => undefined);
      throw new HttpError(
        504,
        'session_check_timeout',
        `No marketplace worker answered the session check within ${Math.round(deps.timeoutMs / 1000)} s: is the marketplace worker running?`,
      );
    },
    close: () => queue.close(),
  };
}

/** What a person should do after a check, or null when nothing. */
export function actionRequired(accountId: string, answer: SessionCheckAnswer): string | null {
  if (answer.temporary) return 'None for now: the check could not reach Facebook; it is tried again at the next sweep';
  if (!answer.valid) {
    if (answer.error_type === 'captcha') {
      return `Open Facebook as this account (pnpm cli facebook-login --account ${accountId}), pass the security check, then the session is saved; or send new cookies with PUT /api/accounts/${accountId}/session`;
    }
    if (answer.error_type === 'rate_limit') return 'Facebook is limiting this account: let it rest before it posts again';
    return `Log in again (pnpm cli facebook-login --account ${accountId}) or export the cookies while logged in and send them with PUT /api/accounts/${accountId}/session`;
  }
  if (answer.flow_check && !answer.flow_check.ok) {
    return `Facebook's create-listing form changed (not found: ${answer.flow_check.missing.join(', ')}): scheduled listings will fail until the worker is updated`;
  }
  return null;
}
