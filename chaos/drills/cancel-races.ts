import { sleep, type Drill } from '../lib/drill.ts';
import { inParallel } from '../lib/workload.ts';

/**
 * Posts that fall due within the same few seconds, each canceled at a random moment around its
 * time: a cancel that answered "canceled" must mean nothing is ever published for it.
 */
export const cancelRaces: Drill = {
  describe: 'posts due within the same few seconds, each canceled at a random moment around its time: nothing published after a cancel that said canceled',
  async run({ api, workload, short, log }) {
    const total = short ? 40 : 200;
    const spreadMs = 3_000;
    const aroundMs = 1_500;
    const leadMs = short ? 15_000 : 30_000;
    const base = Date.now() + leadMs;
    const planned = await workload.create(total, () => new Date(base + Math.random() * spreadMs));
    if (Date.now() > base - 2_000) log(`  creating the posts took ${Math.round((Date.now() - base + leadMs) / 1000)} s: some were due before they could be canceled early`);

    const answers = { canceled: 0, requested: 0, tooLate: 0, refused: 0 };
    const canceledByAnswer = new Set<string>();
    const cancels = planned
      .map((delivery) => ({ delivery, at: delivery.dueAt!.getTime() + (Math.random() * 2 - 1) * aroundMs }))
      .sort((a, b) => a.at - b.at);
    await inParallel(32, cancels, async ({ delivery, at }) => {
      await sleep(Math.max(0, at - Date.now()));
      const answer = await api.request<{ canceled_deliveries?: number; cancel_requested_deliveries?: number }>('DELETE', `/api/posts/${delivery.postId}/schedule`);
      if (answer.status === 200 && answer.body.canceled_deliveries === 1) {
        answers.canceled++;
        canceledByAnswer.add(delivery.deliveryId);
      } else if (answer.status === 200 && answer.body.cancel_requested_deliveries === 1) answers.requested++;
      else if (answer.status === 200) answers.tooLate++;
      else answers.refused++;
    });
    log(`  cancels: ${JSON.stringify(answers)}`);
    return {
      planned,
      faults: `${total} cancels within ${aroundMs / 1000} s of their post's time (${answers.canceled} answered canceled, ${answers.requested} cancel requested mid-publish, ${answers.tooLate} too late, ${answers.refused} refused)`,
      canceledByAnswer,
      recoverMs: null,
      recoverWhat: 'no recovery: a race, not an outage',
      figures: {},
    };
  },
};
