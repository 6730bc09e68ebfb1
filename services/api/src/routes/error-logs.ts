import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const errorLogRoutes: FastifyPluginAsyncTypebox = async () => {};
