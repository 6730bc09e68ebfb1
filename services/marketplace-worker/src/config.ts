import { browserSection } from '@autoposter/facebook-browser';
import { workerConfigSections } from '@autoposter/worker-runtime';

/** Every variable the marketplace worker reads: the runtime's and the browser's. */
export const marketplaceWorkerConfigSections = { ...workerConfigSections, browser: browserSection };
