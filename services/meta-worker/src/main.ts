import { loadConfig } from '@autoposter/config';
import { createMetaPublisher } from '@autoposter/meta-publisher';
import { runWorkerService } from '@autoposter/worker-runtime';
import { graphConfigSections } from './config.ts';

const { graph } = loadConfig(graphConfigSections);

await runWorkerService({
  service: 'meta-worker',
  queueName: 'meta',
  publisher: createMetaPublisher({
    graph: { graphBaseUrl: graph.graphBaseUrl, instagramBaseUrl: graph.instagramBaseUrl, version: graph.version, timeoutMs: graph.timeoutMs },
    usageSlowdownPercent: graph.usageSlowdownPercent,
  }),
});
