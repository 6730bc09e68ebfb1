import { loadConfig } from '@autoposter/config';
import { createLogger } from '@autoposter/logger';
import { logProviderMode, onShutdown } from '@autoposter/ops';
import { metaWorkerConfigSections } from './config.ts';
import { startMetaWorker } from './meta-worker.ts';

const config = loadConfig(metaWorkerConfigSections);
const logger = createLogger({ service: 'meta-worker', level: config.logging.level });
logProviderMode(logger, config.providers);
const service = await startMetaWorker(config, { logger });
onShutdown(logger, config.http.shutdownGraceMs, service.close);
await service.app.listen({ port: config.http.port, host: config.http.host });
logger.info({ queue: 'meta', concurrency: config.worker.concurrency }, 'worker service started');
