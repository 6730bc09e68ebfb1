import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './test/test-app.ts';
import { userWithAccounts } from './test/posting-fixtures.ts';
import { startWorkers, type RunningWorkers } from './test/running-worker.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));

let api: TestApi;
let running: RunningWorkers;

beforeAll(async () => {
  api = await createTestApi();
  running = await startWorkers(api);
});
afterAll(async () => {
  await running.close();
  await api.close();
});

const runCli = (...args: string[]) =>
  run('npx', ['tsx', cli, ...args], {
    env: { ...process.env, DATABASE_URL: api.db.url, REDIS_URL: api.redis.url, QUEUE_PREFIX: api.config.redis.prefix },
    timeout: 60_000,
  });

describe('pnpm cli start-posting', () => {
  it('starts the given posts, prints the job id and follows progress to the end', async () => {
    const alice = await userWithAccounts(api);
    const posts = [(await alice.post()).post.id, (await alice.post(['marketplace'])).post.id];
    const { stdout } = await runCli('start-posting', '--post-ids', posts.join(','));
    const jobId = /job ([0-9a-f-]{36}): started 2 pending post\(s\)/.exec(stdout)?.[1];
    expect(jobId, stdout).toBeDefined();
    expect(stdout).toContain(`job ${jobId}: completed 2/2 (0 failed) 100%`);
    expect(running.provider.publications().filter((p) => p.channel === 'marketplace' || p.channel === 'facebook_page').length).toBeGreaterThanOrEqual(2);
  });

  it('without ids, starts every pending post that is due, across users', async () => {
    const [bob, carol] = [await userWithAccounts(api), await userWithAccounts(api)];
    await bob.post();
    await carol.post();
    const { stdout } = await runCli('start-posting');
    const started = [...stdout.matchAll(/job ([0-9a-f-]{36}): started \d+ pending post\(s\)/g)].map((m) => m[1]);
    expect(started.length, stdout).toBeGreaterThanOrEqual(2);
    for (const jobId of started) expect(stdout).toMatch(new RegExp(`job ${jobId}: completed (\\d+)/\\1 \\(0 failed\\) 100%`));
  });

  it('says so when nothing is pending, and rejects an unknown command', async () => {
    const { stdout } = await runCli('start-posting', '--post-ids', crypto.randomUUID());
    expect(stdout).toContain('No pending posts found');
    await expect(runCli('frobnicate')).rejects.toMatchObject({ code: 2 });
    await expect(runCli('start-posting', '--post-ids', 'nope')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('"nope" is not a post id') });
    // Three CLI processes one after the other: each may take runCli's own 60 s on a loaded machine.
  }, 180_000);
});
