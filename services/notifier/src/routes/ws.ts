import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { SocketClient, Subscription } from '@autoposter/event-fanout';
import { findPostingJob } from '@autoposter/db/repositories/posting-jobs';
import { notFound } from '../plugins/errors.ts';
import { requestFields } from '../plugins/request-log.ts';
import { StreamId, Token, Uuid } from './schemas.ts';

const Query = Type.Object({
  token: Token,
  job_id: Type.Optional(Uuid),
  last_event_id: Type.Optional(StreamId),
});

/**
 * GET /ws: the caller's events as `{id, type, data}` messages, optionally one job's, replayed
 * from `last_event_id` (or `Last-Event-ID`) first. The token is checked before the upgrade.
 */
export const wsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { hub, clients, metrics, limits } = app.fanout;

  app.get(
    '/ws',
    {
      websocket: true,
      onRequest: app.authenticateClient,
      preHandler: async (request) => {
        const { job_id: jobId } = request.query;
        if (jobId && !(await findPostingJob(app.db, request.holder.userId, jobId))) throw notFound('Posting job');
        // Browsers cannot set it on a WebSocket, other clients may: the query wins.
        request.query.last_event_id ??= request.headers['last-event-id'];
      },
      schema: { querystring: Query, headers: Type.Object({ 'last-event-id': Type.Optional(StreamId) }) },
    },
    (socket, request) => {
      const { userId, expiresAt } = request.holder;
      const { job_id: jobId, last_event_id: lastEventId } = request.query;
      request.log.info({ req: requestFields(request), user_id: userId }, 'websocket opened');
      const client = clients.add(new SocketClient(socket, { limits, metrics, expiresAt }));
      app.watchToken(client, request.holder.token);
      const subscription = new Subscription({
        hub,
        redis: app.redis,
        prefix: app.notifierConfig.redis.prefix,
        userId,
        accepts: jobId ? (event) => event.job_id === jobId : undefined,
        lastEventId,
        deliver: (event) => client.sendEvent(event),
        onTruncated: ({ oldestId }) => client.sendMessage({ type: 'replay.truncated', data: { last_event_id: lastEventId, oldest_event_id: oldestId } }),
        onOverflow: () => client.drop('too_slow'),
      });
      client.onClose(() => subscription.close());
      subscription.ready.catch((err: unknown) => {
        request.log.error({ err }, 'replay failed');
        client.fail();
      });
    },
  );
};
