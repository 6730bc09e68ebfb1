import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const jobRoutes: FastifyPluginAsyncTypebox = async () => {};
