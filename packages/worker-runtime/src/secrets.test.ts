import { describe, expect, it } from 'vitest';
import { findAccount } from '@autoposter/db/repositories/accounts';
import { WorkerHarness, withWorkerHarness } from './test/worker-harness.ts';

describe('publish worker: secrets never reach what a failure records', () => {
  let h: WorkerHarness;
  withWorkerHarness((harness) => (h = harness));

  it("scrubs the account's token and secret-looking text from the error everywhere it is stored or shown", async () => {
    const { delivery, userId, account } = await h.seed(); // its access token is 'secret-page-token'
    const message =
      'Graph API rejected secret-page-token: GET /me?fields=id&access_token=EAABleaked123 (Authorization: Bearer EAABother456)';
    h.provider.script({ kind: 'fail', type: 'invalid_token', message });
    await h.enqueue(delivery);
    const worker = await h.startWorker();

    const failed = await h.waitForStatus(delivery.id, 'failed');
    expect(failed.lastErrorMessage).toBe('Graph API rejected [redacted]: GET /me?fields=id&access_token=[redacted] (Authorization: [redacted]');
    const bullJob = await h.waitForJobState(failed, 'failed');
    const recorded = {
      delivery: failed,
      attempts: await h.attempts(failed),
      logs: await h.logs(failed),
      account: await findAccount(h.db.db, userId, account.id),
      events: await h.events(userId),
      bullJob: { failedReason: bullJob.failedReason, stacktrace: bullJob.stacktrace, data: bullJob.data },
      serviceLog: worker.logs,
    };
    expect(recorded.attempts[0]!.stackTrace).toContain('PublishError: Graph API rejected [redacted]');
    expect(recorded.logs.map((l) => l.message)).toContain(`Attempt 1 failed: ${failed.lastErrorMessage}`);
    expect(recorded.account!.sessionMessage).toBe(failed.lastErrorMessage);
    expect(bullJob.failedReason).toBe(failed.lastErrorMessage);
    const everything = JSON.stringify(recorded);
    for (const secret of ['secret-page-token', 'EAABleaked123', 'EAABother456']) expect(everything).not.toContain(secret);
  });
});
