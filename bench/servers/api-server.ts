// The real gateway, built as services/api/src/main.ts builds it (without migrating, and without
// the periodic passes, which would add background work unrelated to the requests measured).
import { parseConfig } from '@autoposter/config';
import { createDatabase } from '@autoposter/db';
import { createLogger } from '@autoposter/logger';
import { createRedisConnection } from '@autoposter/queue';
import { buildApp } from '../../services/api/src/app.ts';
import { apiConfigSections } from '../../services/api/src/config.ts';
import { serveForBenchmark } from './serve.ts';

const config = parseConfig(apiConfigSections, process.env);
const logger = createLogger({ service: 'api', level: config.logging.level });
const database = createDatabase({ url: config.database.url, poolMax: config.database.poolMax, applicationName: 'api-bench' });
const redis = createRedisConnection(config.redis.url, 'producer');
const app = await buildApp({ config, database, redis, logger });

await serveForBenchmark(app, async () => {
  await database.close();
  redis.disconnect();
});
