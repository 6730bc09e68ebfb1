import type {} from '@autoposter/testing/global-setup';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { drills } from './drills/index.ts';
import { runDrillOn, startDrillStack, type DrillStack } from './lib/drill.ts';
import { formatDrillResult } from './lib/report.ts';

/** Headers, warnings, errors and anything that is not a JSON log line: why a target was missed. */
const notableLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => !line.startsWith('{') || /"level":"(warn|error|fatal)"/.test(line))
    .slice(-120)
    .join('\n');

// The short round of every drill, one after the other on one stack (starting one takes most of
// a minute on a busy machine); `pnpm chaos` runs the full drills, each on a stack of its own.
describe('fault drills, short rounds', () => {
  let on: DrillStack;
  const log = (line: string) => process.stdout.write(`${line}\n`);

  beforeAll(async () => {
    on = await startDrillStack({ adminDatabaseUrl: inject('databaseAdminUrl'), templateDatabase: inject('templateDatabase'), log });
  }, 300_000);

  afterAll(async () => {
    const stopped = await on?.stop();
    expect(stopped?.exitedByItself ?? true).toBe(true);
  }, 120_000);

  for (const [name, drill] of Object.entries(drills)) {
    it(`${name}: ${drill.describe}`, async () => {
      const result = await runDrillOn(on, name, drill, { short: true, log });
      log(formatDrillResult(result));
      const missed = result.targets.filter((target) => !target.met).map((target) => `${target.what}: ${target.detail}`);
      if (missed.length) log(`what the services said besides info:\n${notableLines(on.stack.output())}`);
      expect(missed).toEqual([]);
    }, 600_000);
  }
});
