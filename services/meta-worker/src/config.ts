import { graphSection } from '@autoposter/config';
import { workerConfigSections } from '@autoposter/worker-runtime';

/** Every variable the Meta worker reads: the runtime's and the Graph API's (compose.yaml is checked against these). */
export const metaWorkerConfigSections = { ...workerConfigSections, graph: graphSection };

/** The Meta worker's own sections, parsed in main.ts beside the runtime's. */
export const graphConfigSections = { graph: graphSection };
