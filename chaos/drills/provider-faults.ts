import { control } from '../lib/api.ts';
import { sleep, type Drill } from '../lib/drill.ts';
import type { PlannedDelivery } from '../lib/workload.ts';

/** Longer than GRAPH_API_TIMEOUT in the drills' settings: the worker gives up on the call first. */
const HANG_MS = 60_000;

/**
 * The providers misbehave for a while: the fake Graph API commits a write and then answers
 * 500 or drops the connection, or hangs, each for a random share of calls; each browser
 * account's next publish is stored and never answered. Nothing may be published twice, and
 * every delivery ends posted or failed with a reason.
 */
export const providerFaults: Drill = {
  describe: 'fakes answer 5xx or drop after committing, or hang, for a random share of calls: 0 duplicates, all posted or failed with a reason',
  async run({ stack, accounts, workload, short, log }) {
    const total = short ? 60 : 1_000;
    const windowMs = short ? 10_000 : 60_000;
    const graph = stack.urls.fakeGraph!;
    const facebook = stack.urls.fakeFacebook!;
    const rules = [
      { method: 'POST', path: '.', chance: 0.05, fault: { kind: 'error_after_commit' } },
      { method: 'POST', path: '.', chance: 0.05, fault: { kind: 'drop_after_commit' } },
      { path: '.', chance: 0.1, fault: { kind: 'slow', ms: HANG_MS } },
    ];
    const before = (await control<{ faults_applied: Record<string, number> }>(`${graph}/_control/state`)).faults_applied;
    for (const rule of rules) await control(`${graph}/_control/faults`, 'POST', rule);
    for (const userId of accounts.browserUsers) await control(`${facebook}/__control/faults`, 'POST', { user_id: userId, fault: { kind: 'publish_hang' }, times: 1 });

    const planned: PlannedDelivery[] = [];
    const batches = 10;
    const startedAt = Date.now();
    for (let batch = 0; batch < batches; batch++) {
      planned.push(...(await workload.createAndStart(Math.ceil(total / batches))));
      await sleep(Math.max(0, startedAt + ((batch + 1) * windowMs) / batches - Date.now()));
    }
    await control(`${graph}/_control/faults`, 'DELETE');
    await control(`${facebook}/__control/faults`, 'DELETE');
    const endedAt = new Date();
    const after = (await control<{ faults_applied: Record<string, number> }>(`${graph}/_control/state`)).faults_applied;
    const applied = Object.fromEntries(Object.entries(after).map(([kind, count]) => [kind, count - (before[kind] ?? 0)]));
    log(`  provider faults for ${Math.round(windowMs / 1000)} s: ${JSON.stringify(applied)}`);
    return {
      planned,
      faults:
        `Graph calls: ${applied.error_after_commit ?? 0} answered 500 after committing, ${applied.drop_after_commit ?? 0} dropped after committing, ` +
        `${applied.slow ?? 0} hung ${HANG_MS / 1000} s; the next browser publish of each of ${accounts.browserUsers.length} accounts stored and never answered`,
      recoverMs: null,
      recoverWhat: 'from the end of the fault window until every delivery was settled',
      figures: {},
      settleTimeoutMs: 10 * 60_000,
      afterSettle: async () => {
        await control(`${facebook}/__control/release`, 'POST');
        return { recoverMs: Date.now() - endedAt.getTime() };
      },
    };
  },
};
