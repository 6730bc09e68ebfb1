import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PublishWorkerConfig } from '@autoposter/worker-runtime';

/**
 * Worker settings for tests: short locks so a killed worker's job is taken over within
 * seconds, tiny retry waits, and pacing that never gets in the way unless a test asks.
 */
export function testWorkerConfig(overrides: Partial<PublishWorkerConfig> = {}): PublishWorkerConfig {
  return {
    concurrency: 2,
    lockDurationMs: 2_000,
    stalledIntervalMs: 1_000,
    publishTimeoutMs: 10_000,
    shutdownGraceMs: 2_000,
    retry: { maxAttempts: 3, delaysMs: [50] },
    pacing: { dailyCap: 1_000, minGapSeconds: 0, postingHours: null, timezone: 'UTC' },
    media: {
      dir: join(tmpdir(), 'autoposter-worker-media'),
      publicBaseUrl: 'http://127.0.0.1:3000',
      urlSecret: 'test-media-url-secret',
      urlTtlSeconds: 3_600,
    },
    ...overrides,
  };
}
