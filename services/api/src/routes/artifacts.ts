import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { findArtifact } from '@autoposter/db/repositories/delivery-reads';
import { notFound } from '../plugins/errors.ts';
import { errorResponses, IdParams } from '../schemas/common.ts';

/** Where the owner fetches an attempt's screenshot; null when the attempt has none. */
export const artifactUrl = (artifactId: string | null) => (artifactId ? `/api/artifacts/${artifactId}` : null);

export const artifactRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/:id',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'getArtifact',
        tags: ['deliveries'],
        summary: "An attempt's screenshot or failing page's HTML (owner only)",
        params: IdParams,
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'the PNG, or the page HTML (as an attachment)' }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const artifact = await findArtifact(app.db, request.user.id, request.params.id);
      if (!artifact) throw notFound('Artifact');
      reply.type(artifact.mime).header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff');
      // A failing page's HTML is Facebook's markup: never run it on this origin.
      if (!artifact.mime.startsWith('image/')) {
        reply.header('content-security-policy', "sandbox; default-src 'none'").header('content-disposition', `attachment; filename="page-${artifact.id}.html"`);
      }
      return reply.send(artifact.data);
    },
  );
};
