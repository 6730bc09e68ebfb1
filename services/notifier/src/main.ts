import { loadConfig } from '@autoposter/config';
import { createDatabase } from '@autoposter/db';
import { createLogger } from '@autoposter/logger';
import { logProviderMode, onShutdown } from '@autoposter/ops';
import { createRedisConnection } from '@autoposter/queue';
import { buildNotifier } from './app.ts';
import { notifierConfigSections } from './config.ts';

const config = loadConfig(notifierConfigSections);
const logger = createLogger({ service: 'notifier', level: config.logging.level });
logProviderMode(logger, config.providers);

const database = createDatabase({ url: config.database.url, poolMax: config.database.poolMax, applicationName: 'notifier' });
const redis = createRedisConnection(config.redis.url, 'producer');
const workerRedis = createRedisConnection(config.redis.url, 'worker');
const app = await buildNotifier({ config, database, redis, workerRedis, logger });

onShutdown(logger, config.http.shutdownGraceMs, async () => {
  await app.close();
  await database.close();
  redis.disconnect();
  workerRedis.disconnect();
});

await app.listen({ port: config.http.port, host: config.http.host });
