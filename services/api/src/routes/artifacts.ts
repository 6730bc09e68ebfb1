import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const artifactRoutes: FastifyPluginAsyncTypebox = async () => {};
