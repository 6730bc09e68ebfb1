// Issue 16: every operation of the gateway's OpenAPI document under at least 10,000 hostile
// requests. Target: no 5xx, and every 4xx carries the contract's {error, code} body.
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@autoposter/config';
import { createLogger } from '@autoposter/logger';
import { createRedisConnection } from '@autoposter/queue';
import { buildApp } from '../services/api/src/app.ts';
import { apiConfigSections } from '../services/api/src/config.ts';
import { FUZZ_PROVIDER_ENV, fuzzOpenApi, operationsOf } from '../services/api/src/test/openapi-fuzz.ts';
import { createBenchDatabase, createBenchRedis, withCleanup } from './lib/bench-env.ts';
import { note, printTable, printVerdict, round } from './lib/report.ts';

const TARGET_REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);

const database = await createBenchDatabase();
const redis = createBenchRedis();
const mediaDir = mkdtempSync(join(tmpdir(), 'autoposter-fuzz-media-'));

await withCleanup(
  async () => {
    const config = parseConfig(apiConfigSections, {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      JWT_SECRET: randomBytes(32).toString('hex'),
      SECRETS_KEYS: `v1=${randomBytes(32).toString('base64')}`,
      MEDIA_URL_SECRET: randomBytes(16).toString('hex'),
      MEDIA_DIR: mediaDir,
      LOGIN_RATE_LIMIT: '100000',
      LOG_LEVEL: 'silent',
      ...FUZZ_PROVIDER_ENV,
    });
    const producer = createRedisConnection(redis.url, 'producer');
    const app = await buildApp({ config, database, redis: producer, logger: createLogger({ service: 'api', level: 'silent' }) });
    try {
      const operations = operationsOf((await app.inject({ url: '/docs/json' })).json()).length;
      const randomPerOperation = Math.ceil(TARGET_REQUESTS / operations);
      note(`${operations} operations, ${randomPerOperation} random requests each on top of the fixed shapes`);
      const started = performance.now();
      const tally = await fuzzOpenApi(app, { randomPerOperation, seed: Number(process.env.FUZZ_SEED ?? 16) });
      const seconds = (performance.now() - started) / 1000;
      printTable('OpenAPI fuzz', [
        {
          operations: tally.operations,
          requests: tally.requests,
          '5xx': tally.serverErrors.length,
          'documented 502/504 (no worker or provider runs)': tally.upstreamUnavailable.length,
          'bodies without code': tally.withoutCode.length,
          unanswered: tally.unanswered.length,
          'requests/s': round(tally.requests / seconds, 0),
        },
      ]);
      const statuses = [...tally.statuses].sort(([a], [b]) => a - b);
      printTable('Responses by status', [Object.fromEntries(statuses.map(([status, count]) => [String(status), count]))]);
      for (const failure of [...tally.serverErrors, ...tally.withoutCode, ...tally.unanswered].slice(0, 10)) console.log(JSON.stringify(failure));
      for (const answer of tally.upstreamUnavailable.slice(0, 3)) console.log(`documented upstream answer: ${JSON.stringify(answer)}`);
      const met = tally.requests >= TARGET_REQUESTS && tally.serverErrors.length === 0 && tally.withoutCode.length === 0 && tally.unanswered.length === 0;
      printVerdict('fuzz', met, `${tally.requests} requests over ${tally.operations} operations: ${tally.serverErrors.length} 5xx, ${tally.withoutCode.length} bodies without code (target 0 and 0)`);
    } finally {
      await app.close();
      producer.disconnect();
    }
  },
  () => database.drop(),
  () => redis.destroy(),
  async () => rmSync(mediaDir, { recursive: true, force: true }),
);
