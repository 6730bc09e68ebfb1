import Type from 'typebox';
import { graphSection, parseDuration, section, type ConfigOf } from '@autoposter/config';
import { workerConfigSections } from '@autoposter/worker-runtime';

const duration = (name: string, value: string) => {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new Error(`${name} is invalid: ${(err as Error).message}`);
  }
};

/** The Instagram Login token refresh sweep. */
export const tokenRefreshSection = section(
  {
    INSTAGRAM_TOKEN_REFRESH_AFTER: Type.String({ default: '7d', description: 'Instagram Login tokens stored longer ago are refreshed (they last 60 days)' }),
    INSTAGRAM_TOKEN_REFRESH_INTERVAL: Type.String({ default: '1h', description: 'how often the refresh sweep runs (once across replicas)' }),
  },
  (env) => ({
    refreshAfterMs: duration('INSTAGRAM_TOKEN_REFRESH_AFTER', env.INSTAGRAM_TOKEN_REFRESH_AFTER),
    intervalMs: duration('INSTAGRAM_TOKEN_REFRESH_INTERVAL', env.INSTAGRAM_TOKEN_REFRESH_INTERVAL),
  }),
);

/** Every variable the Meta worker reads: the runtime's, the Graph API's and the sweep's (compose.yaml is checked against these). */
export const metaWorkerConfigSections = { ...workerConfigSections, graph: graphSection, tokenRefresh: tokenRefreshSection };

export type MetaWorkerConfig = ConfigOf<typeof metaWorkerConfigSections>;
