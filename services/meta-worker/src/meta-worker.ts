import { createDatabase } from '@autoposter/db';
import { createLogger, type Logger } from '@autoposter/logger';
import { createMetaPublisher, startTokenRefreshSweep, type MetaPublisherOptions } from '@autoposter/meta-publisher';
import { createRedisConnection } from '@autoposter/queue';
import { startWorkerService, type RunningWorkerService } from '@autoposter/worker-runtime';
import type { MetaWorkerConfig } from './config.ts';

export interface MetaWorkerOptions {
  logger?: Logger;
  /** Overrides of the publisher's settings (tests poll containers faster). */
  publisher?: Partial<MetaPublisherOptions>;
  /** Between two token refreshes of the sweep. */
  tokenRefreshPaceMs?: number;
}

const TOKEN_REFRESH_PACE_MS = 2_000;

/**
 * The Meta worker: the runtime's worker service with the Meta publisher, and the Instagram Login
 * token refresh sweep (tokens expire after 60 days: refreshed well before, paced, once across
 * replicas). Not listening yet; `close` stops the sweep and the worker.
 */
export async function startMetaWorker(config: MetaWorkerConfig, options: MetaWorkerOptions = {}): Promise<RunningWorkerService> {
  const logger = options.logger ?? createLogger({ service: 'meta-worker', level: config.logging.level });
  const { graph } = config;
  // The sweep's lock and events, and the usage readings every replica shares.
  const redis = createRedisConnection(config.redis.url, 'producer');
  const publisher = createMetaPublisher({
    graph: { graphBaseUrl: graph.graphBaseUrl, instagramBaseUrl: graph.instagramBaseUrl, version: graph.version, timeoutMs: graph.timeoutMs },
    usageSlowdownPercent: graph.usageSlowdownPercent,
    usageRedis: { client: redis, prefix: config.redis.prefix },
    ...options.publisher,
  });
  const service = await startWorkerService(config, { service: 'meta-worker', queueName: 'meta', publisher, logger });
  const database = createDatabase({ url: config.database.url, poolMax: 1, applicationName: 'meta-worker-token-refresh' });
  const stopSweep = startTokenRefreshSweep(
    { db: database.db, keyring: { keys: config.secrets.keys }, client: publisher.client, redis, prefix: config.redis.prefix, logger },
    { refreshAfterMs: config.tokenRefresh.refreshAfterMs, intervalMs: config.tokenRefresh.intervalMs, paceMs: options.tokenRefreshPaceMs ?? TOKEN_REFRESH_PACE_MS },
  );
  return {
    ...service,
    async close() {
      await stopSweep();
      await service.close();
      await database.close();
      redis.disconnect();
    },
  };
}
