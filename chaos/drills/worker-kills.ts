import { withConnection } from '@autoposter/db';
import type { Drill } from '../lib/drill.ts';
import { sleep } from '../lib/drill.ts';
import type { PlannedDelivery } from '../lib/workload.ts';

interface Kill {
  name: string;
  at: Date;
}

/**
 * SIGKILL a random worker replica every few seconds while deliveries keep coming, and start it
 * again: what it held must be taken over, and never published twice.
 */
export const workerKills: Drill = {
  describe: 'SIGKILL a random worker replica every few seconds during the run, restart it',
  async run({ stack, workload, short, log }) {
    const total = short ? 60 : 1_000;
    const killCount = short ? 2 : 50;
    const everyMs = 3_000;
    const workers = stack.names().filter((name) => name.includes('worker'));
    const perBatch = Math.ceil(total / (killCount + 1));
    const planned: PlannedDelivery[] = [];
    const kills: Kill[] = [];
    const restarts: Promise<void>[] = [];
    const restarting = new Set<string>();

    planned.push(...(await workload.createAndStart(perBatch)));
    while (kills.length < killCount) {
      await sleep(everyMs);
      const candidates = workers.filter((name) => !restarting.has(name) && stack.isRunning(name));
      const victim = candidates[Math.floor(Math.random() * candidates.length)];
      if (victim) {
        await stack.kill(victim, 'SIGKILL');
        kills.push({ name: victim, at: new Date() });
        restarting.add(victim);
        restarts.push(stack.restart(victim).finally(() => restarting.delete(victim)));
      }
      if (planned.length < total) planned.push(...(await workload.createAndStart(Math.min(perBatch, total - planned.length))));
    }
    await Promise.all(restarts);
    log(`  ${kills.length} kills done, every worker running again`);
    return {
      planned,
      faults: `${kills.length} worker SIGKILLs (${countBy(kills.map((k) => k.name))}), each restarted`,
      recoverMs: null,
      recoverWhat: 'longest from a kill until a delivery the killed worker held was settled',
      figures: {},
      settleTimeoutMs: 8 * 60_000,
      afterSettle: async (databaseUrl) => {
        const recovery = await takeoverTimes(databaseUrl, kills, planned);
        return { recoverMs: recovery.maxMs, figures: { 'held by a killed worker': `${recovery.held} deliveries` } };
      },
    };
  },
};

const countBy = (names: string[]) =>
  Object.entries(names.reduce<Record<string, number>>((counts, name) => ({ ...counts, [name]: (counts[name] ?? 0) + 1 }), {}))
    .map(([name, count]) => `${name} x${count}`)
    .join(', ');

/**
 * For each kill, the deliveries whose attempt the killed worker had started and not finished,
 * and how long after the kill each ended up settled.
 */
async function takeoverTimes(databaseUrl: string, kills: Kill[], planned: PlannedDelivery[]) {
  return withConnection(databaseUrl, async (client) => {
    let maxMs: number | null = null;
    let held = 0;
    for (const kill of kills) {
      const { rows } = await client.query<{ settled_at: Date }>(
        `select coalesce(d.posted_at, d.updated_at) as settled_at
           from delivery_attempts a join deliveries d on d.id = a.delivery_id
          where a.worker_id = $1 and a.started_at < $2 and (a.finished_at is null or a.finished_at > $2) and d.id = any($3::uuid[])`,
        [kill.name, kill.at, planned.map((d) => d.deliveryId)],
      );
      held += rows.length;
      for (const row of rows) maxMs = Math.max(maxMs ?? 0, row.settled_at.getTime() - kill.at.getTime());
    }
    return { maxMs, held };
  });
}
