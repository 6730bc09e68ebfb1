import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const adminQueueRoutes: FastifyPluginAsyncTypebox = async () => {};
