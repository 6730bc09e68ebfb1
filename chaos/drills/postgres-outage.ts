import { firstPostedAfter, sleep, type Drill, type Target } from '../lib/drill.ts';
import type { PlannedDelivery } from '../lib/workload.ts';

/**
 * Cut every service's Postgres connections mid-run and refuse new ones (a proxy between them
 * and the database), then let them through again: services stay up, say 503 on /readyz while
 * cut, and the work goes on where it was.
 */
export const postgresOutage: Drill = {
  describe: "cut every service's Postgres connections mid-run (15 s); /readyz 503 meanwhile, no process exits, work resumes",
  async run({ stack, postgresProxy, workload, short, log }) {
    const total = short ? 60 : 600;
    const cutMs = short ? 5_000 : 15_000;
    const services = stack.names().filter((name) => !name.startsWith('fake-'));
    const planned: PlannedDelivery[] = [];
    planned.push(...(await workload.createAndStart(total / 2)));
    // Due around the cut: their delayed jobs fire while nothing can reach the database.
    planned.push(...(await workload.create(total / 2, () => new Date(Date.now() + 5_000))));
    await sleep(2_500);

    postgresProxy.cut();
    const cutAt = Date.now();
    const readiness = new Map(services.map((name) => [name, [] as number[]]));
    while (Date.now() - cutAt < cutMs) {
      await sleep(1_000);
      if (Date.now() - cutAt < 2_000) continue; // a pool notices a dead connection on its next query
      for (const name of services) readiness.get(name)!.push(await readyStatus(stack.url(name)));
    }
    postgresProxy.restore();
    const restoredAt = new Date();
    log(`  Postgres cut for ${Math.round((restoredAt.getTime() - cutAt) / 1000)} s (${postgresProxy.refused} connections refused)`);

    const notUnready = services.filter((name) => readiness.get(name)!.some((status) => status !== 503));
    const readyAgainMs = await untilAllReady(stack, services, 60_000);
    const exited = services.filter((name) => !stack.isRunning(name));
    const targets: Target[] = [
      { what: '/readyz 503 during the cut', met: notUnready.length === 0, detail: notUnready.map((name) => `${name}: ${readiness.get(name)!.join(',')}`).join('; ') },
      { what: 'no process exited', met: exited.length === 0, detail: exited.join(', ') },
      { what: 'ready again after the cut', met: readyAgainMs !== null, detail: 'some service still not ready a minute after' },
    ];
    return {
      planned,
      faults: `Postgres cut ${Math.round(cutMs / 1000)} s for every service (${postgresProxy.refused} connections refused)`,
      recoverMs: null,
      recoverWhat: 'first delivery posted after the cut ended',
      figures: {
        '/readyz during the cut': services.map((name) => `${name} ${summarize(readiness.get(name)!)}`).join(', '),
        'ready again': readyAgainMs === null ? 'not within 60 s' : `${(readyAgainMs / 1000).toFixed(1)} s after the cut`,
        'processes exited': String(exited.length),
      },
      targets,
      afterSettle: async (databaseUrl) => ({ recoverMs: await firstPostedAfter(databaseUrl, planned, restoredAt) }),
    };
  },
};

async function readyStatus(url: string): Promise<number> {
  return fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
    (response) => response.status,
    () => 0,
  );
}

const summarize = (statuses: number[]) =>
  Object.entries(statuses.reduce<Record<string, number>>((counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {}))
    .map(([status, count]) => `${status}x${count}`)
    .join('/');

async function untilAllReady(stack: { url(name: string): string }, services: string[], timeoutMs: number): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const statuses = await Promise.all(services.map((name) => readyStatus(stack.url(name))));
    if (statuses.every((status) => status === 200)) return Date.now() - started;
    await sleep(250);
  }
  return null;
}
