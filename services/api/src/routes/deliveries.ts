import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const deliveryRoutes: FastifyPluginAsyncTypebox = async () => {};
