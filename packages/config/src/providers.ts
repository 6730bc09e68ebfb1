import { section } from './load-config.ts';
import { facebookSiteSection, graphSection } from './sections.ts';

/** The providers' own addresses: anything else (a fake, a stand-in) makes the platform a sandbox. */
export const REAL_PROVIDERS = {
  graph_api: 'https://graph.facebook.com',
  instagram_graph_api: 'https://graph.instagram.com',
  facebook: 'https://www.facebook.com',
} as const;

export type ProviderUrls = Record<keyof typeof REAL_PROVIDERS, string>;

/** True while any provider URL is not the real provider's: nothing is published for real. */
export function isSandbox(providers: ProviderUrls): boolean {
  return (Object.keys(REAL_PROVIDERS) as (keyof ProviderUrls)[]).some((name) => providers[name] !== REAL_PROVIDERS[name]);
}

/**
 * Every provider URL, for a service to say at start whether it runs in a sandbox, whichever
 * providers it talks to itself. The same variables (and schemas) as the sections that use them.
 */
export const providerUrlsSection = section(
  {
    GRAPH_API_BASE_URL: graphSection.variables.GRAPH_API_BASE_URL,
    INSTAGRAM_GRAPH_BASE_URL: graphSection.variables.INSTAGRAM_GRAPH_BASE_URL,
    FACEBOOK_BASE_URL: facebookSiteSection.variables.FACEBOOK_BASE_URL,
  },
  (env): ProviderUrls => ({
    graph_api: env.GRAPH_API_BASE_URL.replace(/\/+$/, ''),
    instagram_graph_api: env.INSTAGRAM_GRAPH_BASE_URL.replace(/\/+$/, ''),
    facebook: env.FACEBOOK_BASE_URL.replace(/\/+$/, ''),
  }),
);
