import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import type { Redis } from 'ioredis';
import { loadConfig } from '@autoposter/config';
import { createDatabase, isDatabaseReachable, openConnections, type Database } from '@autoposter/db';
import { createLogger, type Logger } from '@autoposter/logger';
import { logProviderMode, onShutdown, ops, redisReadiness } from '@autoposter/ops';
import type { AccountKind, Publisher } from '@autoposter/publisher';
import { createRedisConnection, type PublishQueueName } from '@autoposter/queue';
import { publishWorkerConfig, workerConfigSections, type WorkerServiceConfig } from './config.ts';
import { createPublishMetrics } from './metrics.ts';
import { createPublishWorker, type PublishWorker } from './publish-worker.ts';
import { createSessionCheckWorker, type SessionCheckWorker } from './session-checks.ts';

export interface WorkerServiceOptions {
  /** Service name in logs and metrics, e.g. "meta-worker". */
  service: string;
  queueName: PublishQueueName;
  publisher: Publisher;
  /** Real session checks of these account kinds (the gateway's and a periodic sweep), by the publisher's `checkSession`. */
  sessionChecks?: { kinds: readonly AccountKind[]; sweepIntervalMs: number; sweepGapMs?: number; checkTimeoutMs?: number };
}

export interface RunningWorkerService {
  app: FastifyInstance;
  worker: PublishWorker;
  close(): Promise<void>;
}

/**
 * Starts a worker service from parsed config: its Postgres pool and Redis connection, the
 * publish worker, and an HTTP server with /healthz, /readyz and /metrics (not yet listening).
 */
export async function startWorkerService(
  config: WorkerServiceConfig,
  options: WorkerServiceOptions & { logger?: Logger },
): Promise<RunningWorkerService> {
  const logger = options.logger ?? createLogger({ service: options.service, level: config.logging.level });
  // One connection per job the worker runs at once, open before the first job and kept open.
  const busyConnections = Math.min(config.worker.concurrency, config.database.poolMax);
  const database = createDatabase({
    url: config.database.url,
    poolMax: config.database.poolMax,
    applicationName: options.service,
    keepOpen: busyConnections,
    genericPlans: true,
  });
  await openConnections(database.pool, busyConnections).catch((err: unknown) => {
    logger.warn({ err }, 'could not open database connections ahead of work; /readyz tells when Postgres answers');
  });
  const connection = createRedisConnection(config.redis.url, 'worker');
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(ops, {
    service: options.service,
    readiness: { postgres: () => isDatabaseReachable(database.pool), redis: redisReadiness(connection) },
  });
  const worker = createPublishWorker({
    queueName: options.queueName,
    publisher: options.publisher,
    db: database.db,
    connection,
    prefix: config.redis.prefix,
    config: publishWorkerConfig(config),
    keyring: { keys: config.secrets.keys },
    logger,
    workerId: config.worker.workerId,
    metrics: createPublishMetrics(app.metrics),
  });
  const sessionChecks = options.sessionChecks
    ? await createSessionCheckWorker({
        publisher: options.publisher,
        kinds: options.sessionChecks.kinds,
        db: database.db,
        connection,
        prefix: config.redis.prefix,
        keyring: { keys: config.secrets.keys },
        logger,
        checkTimeoutMs: options.sessionChecks.checkTimeoutMs ?? 100_000,
        sweep: { intervalMs: options.sessionChecks.sweepIntervalMs, gapMs: options.sessionChecks.sweepGapMs ?? 30_000 },
      })
    : null;
  return { app, worker, close: () => closeService(app, worker, sessionChecks, options.publisher, database, connection) };
}

async function closeService(
  app: FastifyInstance,
  worker: PublishWorker,
  sessionChecks: SessionCheckWorker | null,
  publisher: Publisher,
  database: Database,
  connection: Redis,
) {
  await Promise.all([worker.close(), sessionChecks?.close()]);
  await publisher.close?.();
  await app.close();
  await database.close();
  connection.disconnect();
}

/**
 * The whole `main` of a worker service: config from the environment (or the service's own
 * parse of it, a superset of `workerConfigSections`), start, listen, stop on SIGTERM.
 */
export async function runWorkerService(options: WorkerServiceOptions & { config?: WorkerServiceConfig }): Promise<void> {
  const config = options.config ?? loadConfig(workerConfigSections);
  const logger = createLogger({ service: options.service, level: config.logging.level });
  logProviderMode(logger, config.providers);
  const service = await startWorkerService(config, { ...options, logger });
  onShutdown(logger, config.http.shutdownGraceMs, service.close);
  await service.app.listen({ port: config.http.port, host: config.http.host });
  logger.info({ queue: options.queueName, concurrency: config.worker.concurrency }, 'worker service started');
}
