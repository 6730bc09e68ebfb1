// fastify is not a dependency of the root package: the benchmark servers use the gateway's copy.
export { default, type FastifyInstance } from '../../services/api/node_modules/fastify/fastify.js';
