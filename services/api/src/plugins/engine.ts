import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Decorates the app with the posting engine (queues, use cases). Filled in by the posting-engine work. */
export const engine = fp(async (_app: FastifyInstance) => {}, { name: 'engine', dependencies: ['services'] });
