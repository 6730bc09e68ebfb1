import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { isSandbox, type ProviderUrls } from '@autoposter/config';
import { ErrorBody } from '../schemas/common.ts';
import { API_VERSION } from '../version.ts';

const Platform = Type.Object({
  sandbox: Type.Boolean({ description: 'true while any provider URL is not the real provider: nothing is published for real' }),
  providers: Type.Object({
    graph_api: Type.String({ description: 'GRAPH_API_BASE_URL' }),
    instagram_graph_api: Type.String({ description: 'INSTAGRAM_GRAPH_BASE_URL' }),
    facebook: Type.String({ description: 'FACEBOOK_BASE_URL' }),
  }),
  version: Type.String(),
});

export function platformInfo(providers: ProviderUrls) {
  return { sandbox: isSandbox(providers), providers, version: API_VERSION };
}

/** `GET /api/platform`: public, so clients (the dashboard's banner) can tell a sandbox from the real thing. */
export const platformRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const info = platformInfo({
    graph_api: app.config.graph.graphBaseUrl,
    instagram_graph_api: app.config.graph.instagramBaseUrl,
    facebook: app.config.facebook.baseUrl,
  });

  app.get(
    '/',
    {
      schema: {
        operationId: 'getPlatform',
        summary: 'Which provider URLs this platform talks to, and whether it is a sandbox',
        tags: ['platform'],
        security: [],
        // Any route can answer 414 (a URL too long); this one has no other failure.
        response: { 200: Platform, 414: ErrorBody },
      },
    },
    async () => info,
  );
};
