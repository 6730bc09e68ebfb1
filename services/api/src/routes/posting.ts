import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const postingRoutes: FastifyPluginAsyncTypebox = async () => {};
