import { loadConfig } from '@autoposter/config';
import { createDatabase, runMigrations } from '@autoposter/db';
import { createLogger } from '@autoposter/logger';
import { logProviderMode, onShutdown } from '@autoposter/ops';
import { createRedisConnection } from '@autoposter/queue';
import { buildApp } from './app.ts';
import { apiConfigSections } from './config.ts';

const config = loadConfig(apiConfigSections);
const logger = createLogger({ service: 'api', level: config.logging.level });
logProviderMode(logger, { graph_api: config.graph.graphBaseUrl, instagram_graph_api: config.graph.instagramBaseUrl, facebook: config.facebook.baseUrl });

await runMigrations(config.database.url);
const database = createDatabase({ url: config.database.url, poolMax: config.database.poolMax, applicationName: 'api' });
const redis = createRedisConnection(config.redis.url, 'producer');
const app = await buildApp({ config, database, redis, logger, periodicPasses: true });

onShutdown(logger, config.http.shutdownGraceMs, async () => {
  await app.close();
  await database.close();
  redis.disconnect();
});

await app.listen({ port: config.http.port, host: config.http.host });
