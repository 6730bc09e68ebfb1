import type { Keyring } from '@autoposter/crypto';
import type { Db } from '@autoposter/db';
import type { PacingDefaults } from '@autoposter/db/repositories/accounts';
import type { Publisher } from '@autoposter/publisher';
import type { Redis } from 'ioredis';
import type { BatchedStatements } from './batched-statements.ts';
import type { EventPublisher } from './events.ts';
import type { PublishMetrics } from './metrics.ts';
import type { AccountPacing } from './pacing.ts';
import type { MediaSettings } from './publish-content.ts';
import type { RetryConfig } from './retry-policy.ts';

export interface PublishWorkerConfig {
  /** Jobs one worker runs at once. */
  concurrency: number;
  /** BullMQ job lock; also the lease this worker writes on its claims (another worker may take one over once it ran out). */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** An attempt (lookup + publish) running longer is aborted; its outcome is then unknown. */
  publishTimeoutMs: number;
  /** How long close() lets in-flight attempts finish before handing them back. */
  shutdownGraceMs: number;
  retry: RetryConfig;
  /** Pacing defaults; each account's `limits` override them. */
  pacing: PacingDefaults;
  media: MediaSettings;
}

/** What every part of the runtime works with, built once per worker. */
export interface RuntimeDeps {
  db: Db;
  /** The hot path's statements, batched across concurrent jobs. */
  statements: BatchedStatements;
  redis: Redis;
  publisher: Publisher;
  keyring: Keyring;
  workerId: string;
  config: PublishWorkerConfig;
  pacing: AccountPacing;
  events: EventPublisher;
  /** Aborted when close() runs out of grace. */
  shutdown: AbortSignal;
  metrics: PublishMetrics | undefined;
}
