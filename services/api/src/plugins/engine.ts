import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createEngine, type Engine } from '@autoposter/engine';
import { createRedisConnection } from '@autoposter/queue';

declare module 'fastify' {
  interface FastifyInstance {
    engine: Engine;
  }
}

/**
 * The posting engine for routes (`app.engine`). With `periodicPasses`, this process also takes
 * part in running the dispatch and retention passes (one runs per tick across replicas).
 */
export const engine = fp(
  async (app: FastifyInstance, options: { periodicPasses?: boolean }) => {
    const { config } = app;
    const postingEngine = createEngine({
      db: app.db,
      redis: app.redis,
      prefix: config.redis.prefix,
      logger: app.log.child({ component: 'engine' }),
      settings: { maxAttempts: config.retry.maxAttempts, ...config.scheduling },
    });
    app.decorate('engine', postingEngine);

    const passesConnection = options.periodicPasses ? createRedisConnection(config.redis.url, 'worker') : null;
    const passes = passesConnection ? await postingEngine.startPeriodicPasses(passesConnection) : null;
    app.addHook('onClose', async () => {
      await passes?.close();
      passesConnection?.disconnect();
      await postingEngine.close();
    });
  },
  { name: 'engine', dependencies: ['services'] },
);
