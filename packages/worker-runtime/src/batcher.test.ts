import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A batch function whose batches finish when the test says so. */
function controlledBatches() {
  const batches: { inputs: number[]; finish: () => void }[] = [];
  const run = (inputs: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      const finish = () => (inputs.includes(13) ? reject(new Error('thirteen')) : resolve(inputs.map((n) => `out-${n}`)));
      batches.push({ inputs, finish });
    });
  return { batches, run };
}

describe('Batcher', () => {
  it('gathers the calls of a short window into one batch, and sends a full batch at once', async () => {
    const { batches, run } = controlledBatches();
    const batcher = new Batcher(run, { maxBatch: 3, gatherMs: 30 });
    const gathered = [batcher.run(1), batcher.run(2)];
    await sleep(5);
    expect(batches).toEqual([]);
    await sleep(50);
    expect(batches.map((b) => b.inputs)).toEqual([[1, 2]]);
    batches[0]!.finish();
    expect(await Promise.all(gathered)).toEqual(['out-1', 'out-2']);

    const full = [3, 4, 5].map((n) => batcher.run(n));
    expect(batches.map((b) => b.inputs)).toEqual([[1, 2], [3, 4, 5]]);
    batches[1]!.finish();
    expect(await Promise.all(full)).toEqual(['out-3', 'out-4', 'out-5']);
  });

  it('runs one batch at a time: calls made meanwhile go out together right after it', async () => {
    const { batches, run } = controlledBatches();
    const batcher = new Batcher(run, { maxBatch: 2, gatherMs: 1 });
    const first = batcher.run(1);
    await sleep(20);
    const later = [2, 3, 4].map((n) => batcher.run(n));
    await sleep(20);
    expect(batches.map((b) => b.inputs)).toEqual([[1]]);

    batches[0]!.finish();
    expect(await first).toBe('out-1');
    await sleep(0);
    expect(batches.map((b) => b.inputs)).toEqual([[1], [2, 3]]);
    batches[1]!.finish();
    await sleep(0);
    expect(batches.map((b) => b.inputs)).toEqual([[1], [2, 3], [4]]);
    batches[2]!.finish();
    expect(await Promise.all(later)).toEqual(['out-2', 'out-3', 'out-4']);
  });

  it('when a batch fails, runs each of its inputs alone: only the failing one is rejected', async () => {
    const { batches, run } = controlledBatches();
    const batcher = new Batcher(run, { maxBatch: 3, gatherMs: 1 });
    const calls = [12, 13, 14].map((n) => batcher.run(n).catch((err: Error) => err.message));
    batches[0]!.finish();
    await sleep(0);
    expect(batches.slice(1).map((b) => b.inputs)).toEqual([[12], [13], [14]]);
    for (const batch of batches.slice(1)) batch.finish();
    expect(await Promise.all(calls)).toEqual(['out-12', 'thirteen', 'out-14']);
  });
});
