import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const publicMediaRoutes: FastifyPluginAsyncTypebox = async () => {};
