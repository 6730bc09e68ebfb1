import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keyring } from '@autoposter/crypto';
import type { Db } from '@autoposter/db';
import type { Logger } from '@autoposter/logger';
import type { Publisher } from '@autoposter/publisher';
import { publishJobRetention, type JobPayloads, type PublishQueueName } from '@autoposter/queue';
import { WorkerShutdownError } from './abort.ts';
import { createBatchedStatements } from './batched-statements.ts';
import { connectionForEvents, EventPublisher } from './events.ts';
import type { PublishMetrics } from './metrics.ts';
import { AccountPacing, connectionForPacing } from './pacing.ts';
import { createDeliveryProcessor, type JobResult } from './process-delivery.ts';
import { databaseCause } from './query-error.ts';
import { backoffStrategy, RetryLaterError } from './retry-policy.ts';
import type { PublishWorkerConfig, RuntimeDeps } from './runtime.ts';

export interface CreatePublishWorkerOptions {
  queueName: PublishQueueName;
  publisher: Publisher;
  db: Db;
  /** ioredis with `maxRetriesPerRequest: null`; not closed by the worker. */
  connection: Redis;
  /** BullMQ prefix (QUEUE_PREFIX); the event stream and pacing keys live under it too. */
  prefix: string;
  config: PublishWorkerConfig;
  keyring: Keyring;
  logger: Logger;
  workerId: string;
  metrics?: PublishMetrics;
}

export interface PublishWorker {
  worker: Worker<JobPayloads['publish-delivery'], JobResult>;
  /**
   * Stops taking jobs and waits for in-flight attempts up to the grace period; attempts still
   * running then are aborted and handed back, so another worker continues at once.
   */
  close(): Promise<void>;
}

/** A job may be recovered from a stall (its worker died) this many times before BullMQ fails it. */
const MAX_STALLED_COUNT = 2;

export function createPublishWorker(options: CreatePublishWorkerOptions): PublishWorker {
  const { config, connection, prefix } = options;
  const logger = options.logger.child({ queue: options.queueName, worker_id: options.workerId });
  const shutdown = new AbortController();
  const eventConnection = connectionForEvents(connection);
  const pacingConnection = connectionForPacing(connection);
  const deps: RuntimeDeps = {
    db: options.db,
    statements: createBatchedStatements(options.db, { concurrency: config.concurrency, leaseMs: config.lockDurationMs, workerId: options.workerId }),
    redis: connection,
    publisher: options.publisher,
    keyring: options.keyring,
    workerId: options.workerId,
    config,
    pacing: new AccountPacing(pacingConnection, prefix, {
      lockTtlMs: config.lockDurationMs,
      busyRetryMs: Math.min(config.lockDurationMs, 5_000),
    }),
    events: new EventPublisher(eventConnection, prefix, logger),
    shutdown: shutdown.signal,
    metrics: options.metrics,
  };
  const worker = new Worker<JobPayloads['publish-delivery'], JobResult>(
    options.queueName,
    createDeliveryProcessor(deps, logger),
    {
      connection,
      prefix,
      name: options.workerId,
      concurrency: config.concurrency,
      lockDuration: config.lockDurationMs,
      stalledInterval: config.stalledIntervalMs,
      maxStalledCount: MAX_STALLED_COUNT,
      settings: { backoffStrategy: backoffStrategy(config.retry.delaysMs) },
      ...publishJobRetention,
    },
  );
  worker.on('error', (err) => logger.error({ err }, 'worker error'));
  worker.on('stalled', (jobId) => logger.warn({ job_id: jobId }, 'job stalled (its worker stopped renewing the lock): requeued'));
  // A recorded failure or retry already wrote its own log line; anything else failed before it
  // could be recorded (the database was unreachable...). BullMQ retries the job while it has
  // attempts left; after that the dispatch pass brings the delivery back once its lease expires.
  worker.on('failed', (job, err) => {
    if (err instanceof UnrecoverableError || err instanceof RetryLaterError) return;
    logger.error({ err: databaseCause(err), job_id: job?.id, attempts_made: job?.attemptsMade, attempts: job?.opts.attempts }, 'job failed before its outcome was recorded');
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= closeWithGrace(worker, shutdown, config.shutdownGraceMs, logger).finally(async () => {
      await deps.events.drain();
      eventConnection.disconnect();
      pacingConnection.disconnect();
    }));
  return { worker, close };
}

async function closeWithGrace(worker: Worker, shutdown: AbortController, graceMs: number, logger: Logger) {
  const graceOver = setTimeout(() => {
    logger.warn({ grace_ms: graceMs }, 'grace period over: handing back attempts still running');
    shutdown.abort(new WorkerShutdownError());
  }, graceMs);
  try {
    await worker.close();
  } finally {
    clearTimeout(graceOver);
  }
}
