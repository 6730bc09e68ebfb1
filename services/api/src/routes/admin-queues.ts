import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import { queueNames } from '@autoposter/queue';

/**
 * Bull Board, for admins only. The board's own page, asset and API requests carry no
 * Authorization header, so an admin's browser authenticates with the session cookie set at
 * login; the hook sits in this encapsulated plugin and covers only the board.
 */
export async function adminQueueRoutes(app: FastifyInstance, options: { prefix?: string }) {
  // Answered here rather than thrown: the board installs its own error handler on its routes.
  app.addHook('onRequest', async (request, reply) => {
    try {
      await app.authenticateAdmin(request, reply);
    } catch (err) {
      return reply.code(401).send({ error: (err as Error).message, code: 'unauthorized' });
    }
  });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(options.prefix ?? '/admin/queues');
  const passes = new Queue(queueNames.dispatch, { connection: app.redis, prefix: app.config.redis.prefix });
  // The notifier's webhook calls, shown here too: an admin sees calls that keep failing.
  const webhookCalls = new Queue(queueNames.webhooks, { connection: app.redis, prefix: app.config.redis.prefix });
  app.addHook('onClose', async () => {
    await passes.close();
    await webhookCalls.close();
  });
  createBullBoard({
    queues: [...Object.values(app.engine.queues), passes, webhookCalls].map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Autoposter queues' } },
  });
  await app.register(serverAdapter.registerPlugin());
}
