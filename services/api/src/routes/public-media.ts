import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { verifyMediaSignature } from '@autoposter/media';
import { findMediaForSignedUrl } from '@autoposter/db/repositories/media';
import { notFound } from '../plugins/errors.ts';
import { IdParams, errorResponses } from '../schemas/common.ts';
import { MediaFile, mediaMimeTypes, sendStoredMedia } from './media.ts';

const SignedQuery = Type.Object({
  expires: Type.Integer({ minimum: 0, description: 'unix seconds' }),
  signature: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'hex HMAC-SHA256' }),
  rendition: Type.Optional(Type.Literal('jpeg', { description: "the image's JPEG rendition (PNG, WebP, wider than 1440 px)" })),
});

/** Media by signed, expiring URL, for providers that fetch it themselves (Instagram). No token. */
export const publicMediaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { dir, urlSecret } = app.config.media;

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getPublicMedia',
        summary: 'A media file by its signed, expiring URL (for providers)',
        tags: ['media'],
        security: [],
        params: IdParams,
        querystring: SignedQuery,
        produces: mediaMimeTypes,
        response: { 200: MediaFile, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { expires, signature, rendition } = request.query;
      // A bad or expired signature looks exactly like a missing file: nothing to learn from probing.
      if (!verifyMediaSignature({ secret: urlSecret, mediaId: id, expires, signature })) throw notFound('Media');
      const row = await findMediaForSignedUrl(app.db, id);
      if (!row) throw notFound('Media');
      return sendStoredMedia(reply, dir, row, rendition);
    },
  );
};
