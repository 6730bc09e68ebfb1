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
        summary: "An attempt's screenshot (owner only)",
        params: IdParams,
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'the image bytes' }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const artifact = await findArtifact(app.db, request.user.id, request.params.id);
      if (!artifact) throw notFound('Artifact');
      return reply.type(artifact.mime).header('cache-control', 'private, max-age=3600').send(artifact.data);
    },
  );
};
