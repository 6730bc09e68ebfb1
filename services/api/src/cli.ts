import { parseArgs } from 'node:util';
import { databaseSection, loadConfig, loggingSection, redisSection, retrySection, schedulingSection } from '@autoposter/config';
import { createDatabase, UUID_REGEX } from '@autoposter/db';
import { findDuePendingPosts, ownersOfPosts } from '@autoposter/db/repositories/delivery-scheduling';
import { createEngine, UseCaseError, type JobView } from '@autoposter/engine';
import { createLogger } from '@autoposter/logger';
import { createRedisConnection, eventStreamKey, readEvents } from '@autoposter/queue';

// Loaded only when asked for: it brings Playwright, which start-posting does not need.
if (process.argv[2] === 'facebook-login') process.exit(await (await import('./facebook-login-cli.ts')).facebookLogin(process.argv.slice(3)));

const usage = `usage: pnpm cli start-posting [--post-ids <id,id,...>] [--no-follow] [--timeout <seconds>]
  Starts the given posts (or, without ids, every pending post that is due) and follows
  their progress until each posting job has finished.
usage: pnpm cli facebook-login --account <id> [--headless --email <email> --password <password>]
  Logs in to Facebook in Chromium and saves the session to the account (see --help of it).`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'post-ids': { type: 'string' },
    'no-follow': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '600' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || positionals[0] !== 'start-posting') {
  process.stdout.write(`${usage}\n`);
  process.exit(values.help ? 0 : 2);
}

const config = loadConfig({
  database: databaseSection,
  redis: redisSection,
  logging: loggingSection,
  retry: retrySection,
  scheduling: schedulingSection,
});
const logger = createLogger({ service: 'cli', level: 'warn' });
const database = createDatabase({ url: config.database.url, poolMax: 2, applicationName: 'cli' });
const redis = createRedisConnection(config.redis.url, 'producer');
const engine = createEngine({
  db: database.db,
  redis,
  prefix: config.redis.prefix,
  logger,
  settings: { maxAttempts: config.retry.maxAttempts, ...config.scheduling },
});

try {
  const streamStart = await lastEventId();
  const jobIds = await startPosting(values['post-ids']);
  if (jobIds.length > 0 && !values['no-follow']) await follow(jobIds, streamStart, Number(values.timeout) * 1000);
} catch (err) {
  process.stderr.write(`${err instanceof UseCaseError ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  await engine.close();
  await database.close();
  redis.disconnect();
}

async function startPosting(postIdList: string | undefined): Promise<string[]> {
  const ids = postIdList?.split(',').map((id) => id.trim()).filter(Boolean);
  const invalid = ids?.find((id) => !UUID_REGEX.test(id));
  if (invalid) throw new UseCaseError('invalid', 'validation_error', `--post-ids: "${invalid}" is not a post id (UUID)`);
  const posts = ids ? await ownersOfPosts(database.db, ids) : await findDuePendingPosts(database.db, new Date());
  if (posts.length === 0) {
    process.stdout.write('No pending posts found.\n');
    return [];
  }
  const byUser = new Map<string, typeof posts>();
  for (const post of posts) byUser.set(post.userId, [...(byUser.get(post.userId) ?? []), post]);
  const jobIds: string[] = [];
  for (const [userId, owned] of byUser) {
    try {
      const run = await engine.startPosting(userId, owned.map((p) => p.id));
      process.stdout.write(`job ${run.jobId}: started ${run.postCount} pending post(s) of user ${userId}\n`);
      jobIds.push(run.jobId);
    } catch (err) {
      if (!(err instanceof UseCaseError)) throw err;
      process.stdout.write(`user ${userId}: ${err.message}\n`);
    }
  }
  return jobIds;
}

async function lastEventId(): Promise<string> {
  const [last] = (await redis.xrevrange(eventStreamKey(config.redis.prefix), '+', '-', 'COUNT', 1)) as [string, string[]][];
  return last?.[0] ?? '0';
}

/** Prints each job's progress from the event stream until every job has sent its final event. */
async function follow(jobIds: string[], afterId: string, timeoutMs: number) {
  const open = new Set(jobIds);
  const deadline = Date.now() + timeoutMs;
  let cursor = afterId;
  while (open.size > 0) {
    if (Date.now() > deadline) throw new Error(`gave up following after ${timeoutMs / 1000}s; jobs still open: ${[...open].join(', ')}`);
    const events = await readEvents(redis, config.redis.prefix, { afterId: cursor, blockMs: 2_000 });
    for (const event of events) {
      cursor = event.id;
      if (event.type !== 'job.progress' || !event.job_id || !open.has(event.job_id)) continue;
      const job = event.data as unknown as JobView & { final?: boolean };
      process.stdout.write(`${describe(job)}\n`);
      if (job.final) open.delete(event.job_id);
    }
  }
}

function describe(job: JobView & { final?: boolean }): string {
  const done = `${job.completed_posts + job.failed_posts}/${job.total_posts}`;
  const current = job.current_post_title && !job.final ? ` · ${job.current_post_title}` : '';
  return `job ${job.job_id}: ${job.status} ${done} (${job.failed_posts} failed) ${job.progress_percentage}%${current}`;
}
