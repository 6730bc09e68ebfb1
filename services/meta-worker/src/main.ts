import { loadConfig } from '@autoposter/config';
import { createDatabase } from '@autoposter/db';
import { createLogger } from '@autoposter/logger';
import { createMetaPublisher, startTokenRefreshSweep } from '@autoposter/meta-publisher';
import { createRedisConnection } from '@autoposter/queue';
import { runWorkerService } from '@autoposter/worker-runtime';
import { metaWorkerConfigSections } from './config.ts';

const config = loadConfig(metaWorkerConfigSections);
const { graph } = config;
const publisher = createMetaPublisher({
  graph: { graphBaseUrl: graph.graphBaseUrl, instagramBaseUrl: graph.instagramBaseUrl, version: graph.version, timeoutMs: graph.timeoutMs },
  usageSlowdownPercent: graph.usageSlowdownPercent,
});

await runWorkerService({ service: 'meta-worker', queueName: 'meta', publisher });

// Instagram Login tokens expire after 60 days: refresh them well before, paced, once across replicas.
startTokenRefreshSweep(
  {
    db: createDatabase({ url: config.database.url, poolMax: 1, applicationName: 'meta-worker-token-refresh' }).db,
    keyring: { keys: config.secrets.keys },
    client: publisher.client,
    redis: createRedisConnection(config.redis.url, 'producer'),
    prefix: config.redis.prefix,
    logger: createLogger({ service: 'meta-worker', level: config.logging.level }),
  },
  { refreshAfterMs: config.tokenRefresh.refreshAfterMs, intervalMs: config.tokenRefresh.intervalMs, paceMs: 2_000 },
);
