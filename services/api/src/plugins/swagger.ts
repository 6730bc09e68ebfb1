import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { API_VERSION } from '../version.ts';

/**
 * Collection routes are registered as `/` under their prefix, which Fastify serves with and
 * without the slash; the document lists them as the contract writes them (`/api/posts`), the
 * form generated clients call.
 */
const withoutTrailingSlash = (url: string) => (url.length > 1 ? url.replace(/\/+$/, '') : url);

/** OpenAPI at /docs/json, built from the route schemas; registered before any route. */
export const openApi = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'Autoposter API',
          version: API_VERSION,
          description: 'Publish posts to Marketplace, groups, Pages and Instagram.',
          license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
        },
        // Relative: the gateway that serves this document, wherever it is reached.
        servers: [{ url: '/', description: 'this gateway' }],
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
      },
      transform: ({ schema, url }) => ({ schema, url: withoutTrailingSlash(url) }),
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'openapi' },
);
