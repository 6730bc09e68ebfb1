import { loadConfig } from '@autoposter/config';
import { createFacebookBrowserPublisher } from '@autoposter/facebook-browser';
import { runWorkerService } from '@autoposter/worker-runtime';
import { marketplaceWorkerConfigSections } from './config.ts';

const config = loadConfig(marketplaceWorkerConfigSections);
await runWorkerService({
  service: 'marketplace-worker',
  queueName: 'marketplace',
  publisher: createFacebookBrowserPublisher(config.browser),
  config,
  sessionChecks: { kinds: ['facebook_browser'], sweepIntervalMs: config.sessionSweep.intervalMs },
});
