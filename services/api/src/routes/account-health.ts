import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const accountHealthRoutes: FastifyPluginAsyncTypebox = async () => {};
