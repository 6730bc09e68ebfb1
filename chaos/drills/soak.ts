import type { RunningStack } from '@autoposter/stack';
import type { Drill, Target } from '../lib/drill.ts';
import { chromiumProcesses, serviceRssMb } from '../lib/processes.ts';
import { waitUntilSettled } from '../lib/tally.ts';
import type { PlannedDelivery } from '../lib/workload.ts';

const GROWTH_TARGET = 0.2;

interface Sample {
  rssMb: Record<string, number>;
  chromium: number;
}

/**
 * Many deliveries through both workers: their resident memory once the run is over against
 * after the first ones, and no browser process left behind.
 */
export const soak: Drill = {
  describe: "2,000 deliveries; workers' RSS after the run vs after the first 200 (< 20% growth); no leaked Chromium",
  async run({ stack, workload, short, log }) {
    const total = short ? 120 : 2_000;
    const warmUp = short ? 60 : 200;
    const workers = stack.names().filter((name) => name.includes('worker'));
    const planned: PlannedDelivery[] = [];
    planned.push(...(await workload.createAndStart(warmUp)));
    await waitUntilSettled(stack.databaseUrl, planned, 5 * 60_000);
    const first = await sample(stack, workers);
    log(`  after the first ${warmUp}: ${JSON.stringify(first)}`);
    while (planned.length < total) {
      const batch = await workload.createAndStart(Math.min(200, total - planned.length));
      planned.push(...batch);
      await waitUntilSettled(stack.databaseUrl, batch, 5 * 60_000);
    }
    const last = await sample(stack, workers);
    const growth = Object.fromEntries(workers.map((name) => [name, last.rssMb[name]! / first.rssMb[name]! - 1]));
    const grown = workers.filter((name) => growth[name]! >= GROWTH_TARGET);
    const targets: Target[] = [
      { what: 'no leaked Chromium', met: last.chromium <= first.chromium, detail: `${first.chromium} Chromium processes after the first ${warmUp}, ${last.chromium} after the run` },
    ];
    // The short round is too short for memory to level off after warm-up: it shows the figure only.
    if (!short) targets.push({ what: `workers' RSS growth < ${GROWTH_TARGET * 100}%`, met: grown.length === 0, detail: grown.map((name) => `${name} +${Math.round(growth[name]! * 100)}%`).join(', ') });
    return {
      planned,
      faults: 'none (a long run)',
      recoverMs: null,
      recoverWhat: 'no fault',
      figures: {
        [`workers' RSS after the first ${warmUp}`]: workers.map((name) => `${name} ${Math.round(first.rssMb[name]!)} MB`).join(', '),
        "workers' RSS after the run": workers.map((name) => `${name} ${Math.round(last.rssMb[name]!)} MB (${growth[name]! >= 0 ? '+' : ''}${Math.round(growth[name]! * 100)}%)`).join(', '),
        'Chromium processes': `${first.chromium} after the first ${warmUp}, ${last.chromium} after the run`,
      },
      targets,
    };
  },
};

async function sample(stack: RunningStack, workers: string[]): Promise<Sample> {
  // Let the browser close what the last runs opened.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  return {
    rssMb: Object.fromEntries(workers.map((name) => [name, serviceRssMb(stack.processGroupId(name))])),
    chromium: workers.reduce((count, name) => count + chromiumProcesses(stack.processGroupId(name)), 0),
  };
}
