import { firstPostedAfter, sleep, type Drill } from '../lib/drill.ts';
import type { PlannedDelivery } from '../lib/workload.ts';

/**
 * Kill the private Redis mid-run and start it empty: the queued, delayed and running jobs are
 * gone, and Postgres alone must bring every delivery back through the next dispatch passes.
 */
export const redisLoss: Drill = {
  describe: 'kill the private Redis mid-run and start it empty; the dispatch passes recover every delivery',
  async run({ redis, workload, short, log }) {
    const immediate = short ? 60 : 600;
    const scheduled = short ? 40 : 400;
    const downMs = short ? 3_000 : 10_000;
    const planned: PlannedDelivery[] = [];
    // Due after Redis comes back: at the kill they exist in Redis only as delayed jobs.
    const dueAt = new Date(Date.now() + (short ? 25_000 : 60_000));
    planned.push(...(await workload.create(scheduled, dueAt)));
    planned.push(...(await workload.createAndStart(immediate)));
    await sleep(1_500);
    await redis.kill();
    const killedAt = Date.now();
    await sleep(downMs);
    await redis.start();
    const restartedAt = new Date();
    log(`  Redis killed, down ${Math.round((restartedAt.getTime() - killedAt) / 1000)} s, started empty`);
    await sleep(2_000);
    return {
      planned,
      faults: `1 Redis loss (SIGKILL, down ${Math.round(downMs / 1000)} s, back empty) with ${immediate} deliveries started and ${scheduled} scheduled`,
      recoverMs: null,
      recoverWhat: 'first delivery posted after Redis came back empty',
      figures: {},
      afterSettle: async (databaseUrl: string) => ({ recoverMs: await firstPostedAfter(databaseUrl, planned, restartedAt) }),
    };
  },
};
