import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
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
  app.addHook('onSend', async (request, reply, payload) => (reply.statusCode >= 400 ? inContractShape(payload, reply.statusCode, request.log) : payload));
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

/** Bull Board's own error body: a translation key for its UI, sometimes a message, rarely a code. */
interface BoardError {
  error?: unknown;
  message?: unknown;
  code?: unknown;
}

/**
 * Bull Board answers its errors as `{error: {key: 'ERRORS.QUEUE_NOT_FOUND'}, message?}`: in the
 * contract's `{error, code}` instead, the key as the code (`queue_not_found`) and the message, or
 * the key in words, as the sentence (its UI shows `error` and reads `code`, so the board still
 * works). A 5xx hides its message and logs it. Bodies in our shape already pass unchanged.
 */
export function inContractShape(payload: unknown, status: number, log: FastifyBaseLogger): unknown {
  if (typeof payload !== 'string') return payload;
  let body: BoardError;
  try {
    body = JSON.parse(payload) as BoardError;
  } catch {
    return payload;
  }
  if (typeof body?.error === 'string' && typeof body.code === 'string') return payload;
  const key = (body?.error as { key?: unknown } | undefined)?.key;
  const known = typeof key === 'string' && key !== 'ERRORS.INTERNAL_SERVER_ERROR' ? key.replace(/^ERRORS\./, '').toLowerCase() : undefined;
  if (status >= 500) {
    log.error({ board_error: body }, 'Bull Board failed');
    return JSON.stringify({ error: 'The queue board failed to answer; it was logged.', code: known ?? 'internal_error' });
  }
  const sentence = typeof body?.message === 'string' ? body.message : known ? `${known[0]!.toUpperCase()}${known.slice(1).replaceAll('_', ' ')}` : 'The queue board refused this request';
  const code = typeof body?.code === 'string' ? body.code : (known ?? 'bad_request');
  return JSON.stringify({ error: sentence, code });
}
