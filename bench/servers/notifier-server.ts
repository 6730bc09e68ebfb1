// The notifier as deployed (buildNotifier, config from the environment), announcing its port,
// and answering `memory` requests with its process's memory.
import { Redis } from 'ioredis';
import { parseConfig } from '@autoposter/config';
import { createDatabase } from '@autoposter/db';
import { createLogger } from '@autoposter/logger';
import { createRedisConnection } from '@autoposter/queue';
import { buildNotifier } from '../../services/notifier/src/app.ts';
import { notifierConfigSections } from '../../services/notifier/src/config.ts';
import { answerMemoryRequests } from './memory-report.ts';
import { serveForBenchmark } from './serve.ts';

const config = parseConfig(notifierConfigSections);
const database = createDatabase({ url: config.database.url, poolMax: config.database.poolMax, applicationName: 'bench-notifier' });
const redis = createRedisConnection(config.redis.url, 'producer');
const workerRedis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
const app = await buildNotifier({ config, database, redis, workerRedis, logger: createLogger({ service: 'notifier', level: config.logging.level }) });
answerMemoryRequests();
await serveForBenchmark(app, async () => {
  await database.close();
  redis.disconnect();
  workerRedis.disconnect();
});
