import { browserSection } from '@autoposter/facebook-browser';
import { sessionSweepSection, workerConfigSections } from '@autoposter/worker-runtime';

/** Every variable the marketplace worker reads: the runtime's, the browser's and the session sweep's. */
export const marketplaceWorkerConfigSections = { ...workerConfigSections, browser: browserSection, sessionSweep: sessionSweepSection };
