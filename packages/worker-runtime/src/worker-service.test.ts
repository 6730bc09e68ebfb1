import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, formatKeyring, fromRepositoryRoot, parseConfig, variableNames } from '@autoposter/config';
import { createLogger } from '@autoposter/logger';
import { createTestPublisher } from '@autoposter/testing';
import { workerConfigSections } from './config.ts';
import { WorkerHarness } from './test/worker-harness.ts';
import { startWorkerService, type RunningWorkerService } from './worker-service.ts';

const baseEnv = (h: WorkerHarness) => ({
  DATABASE_URL: h.db.url,
  REDIS_URL: h.redis.url,
  QUEUE_PREFIX: h.redis.prefix,
  SECRETS_KEYS: formatKeyring(h.keyring.keys),
  MEDIA_URL_SECRET: randomBytes(16).toString('hex'),
  RETRY_DELAYS: '50ms',
  DEFAULT_MIN_GAP_SECONDS: '0',
});

describe('worker service', () => {
  let h: WorkerHarness;
  let service: RunningWorkerService;
  beforeAll(async () => {
    h = await WorkerHarness.create();
    const config = parseConfig(workerConfigSections, baseEnv(h));
    service = await startWorkerService(config, {
      service: 'test-worker-service',
      queueName: 'meta',
      publisher: createTestPublisher({ providerUrl: h.provider.url }),
      logger: createLogger({ service: 'test-worker-service', level: 'silent' }),
    });
    await service.worker.worker.waitUntilReady();
  });
  afterAll(async () => {
    await service.close();
    await h.close();
  });

  it('reads the settings every worker service shares', () => {
    expect(variableNames(workerConfigSections)).toEqual(
      expect.arrayContaining([
        'DATABASE_URL',
        'REDIS_URL',
        'QUEUE_PREFIX',
        'LOG_LEVEL',
        'SECRETS_KEYS',
        'WORKER_CONCURRENCY',
        'JOB_LOCK_DURATION',
        'STALLED_CHECK_INTERVAL',
        'PUBLISH_TIMEOUT',
        'RETRY_MAX_ATTEMPTS',
        'RETRY_DELAYS',
        'DEFAULT_DAILY_CAP',
        'DEFAULT_MIN_GAP_SECONDS',
        'PORT',
        'SHUTDOWN_GRACE_MS',
        'MEDIA_DIR',
        'PUBLIC_BASE_URL',
        'MEDIA_URL_SECRET',
        'MEDIA_URL_TTL',
      ]),
    );
    const config = parseConfig(workerConfigSections, { ...baseEnv(h), MEDIA_URL_TTL: '2h', PUBLIC_BASE_URL: 'https://api.example.test/' });
    expect(config.media).toMatchObject({ publicBaseUrl: 'https://api.example.test', urlTtlSeconds: 7_200, dir: fromRepositoryRoot('./storage/media') });
  });

  it('names a missing or bad media setting', () => {
    const withoutSecret: Record<string, string> = { ...baseEnv(h), MEDIA_URL_SECRET: '' };
    expect(() => parseConfig(workerConfigSections, withoutSecret)).toThrow(ConfigError);
    expect(() => parseConfig(workerConfigSections, withoutSecret)).toThrow(/MEDIA_URL_SECRET is required/);
    expect(() => parseConfig(workerConfigSections, { ...baseEnv(h), MEDIA_URL_TTL: 'soon' })).toThrow(/MEDIA_URL_TTL is invalid/);
  });

  it('answers /healthz and /readyz', async () => {
    expect((await service.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const ready = await service.app.inject({ url: '/readyz' });
    expect(ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('opens a database connection per concurrent job before any job arrives', async () => {
    // WORKER_CONCURRENCY defaults to 4; the worker has run no job yet.
    const { rows } = await h.db.pool.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'test-worker-service'`,
    );
    expect(rows[0]!.n).toBe(4);
  });

  it('publishes and counts deliveries in /metrics', async () => {
    const { delivery } = await h.seed();
    await h.enqueue(delivery);
    await h.waitForStatus(delivery.id, 'posted');

    // The attempt is counted just after its outcome is committed.
    const counted = /deliveries_processed_total\{[^}]*channel="facebook_page"[^}]*outcome="posted"[^}]*\} 1/;
    await expect.poll(async () => (await service.app.inject({ url: '/metrics' })).body).toMatch(counted);
    expect((await service.app.inject({ url: '/metrics' })).body).toContain('publish_duration_seconds_bucket');
  });
});
