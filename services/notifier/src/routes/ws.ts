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
 * Where a socket narrowed to a job starts when it names no event: shortly before the job was
 * created, so a client that connects after start-posting answered still sees the whole run.
 * The margin covers clock skew between Postgres (the job's time) and Redis (the stream ids).
 */
const JOB_START_MARGIN_MS = 5_000;
const jobStartId = (createdAt: Date) => `${Math.max(0, createdAt.getTime() - JOB_START_MARGIN_MS)}-0`;

/**
 * GET /ws: the caller's events as `{id, type, data}` messages, optionally one job's, replayed
 * from `last_event_id` (or `Last-Event-ID`) first, or from the job's start when `job_id` comes
 * alone. The token is checked before the upgrade.
 */
export const wsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { hub, clients, metrics, limits } = app.fanout;
  const replayFrom = new WeakMap<object, string>();

  app.get(
    '/ws',
    {
      websocket: true,
      onRequest: app.authenticateClient,
      preHandler: async (request) => {
        const { job_id: jobId } = request.query;
        // Browsers cannot set it on a WebSocket, other clients may: the query wins.
        request.query.last_event_id ??= request.headers['last-event-id'];
        if (!jobId) return;
        const job = await findPostingJob(app.db, request.holder.userId, jobId);
        if (!job) throw notFound('Posting job');
        replayFrom.set(request, request.query.last_event_id ?? jobStartId(job.createdAt));
      },
      schema: { querystring: Query, headers: Type.Object({ 'last-event-id': Type.Optional(StreamId) }) },
    },
    (socket, request) => {
      const { userId, expiresAt } = request.holder;
      const { job_id: jobId, last_event_id: askedFrom } = request.query;
      const lastEventId = replayFrom.get(request) ?? askedFrom;
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
        onTruncated: ({ oldestId }) => client.sendMessage({ type: 'replay.truncated', data: { last_event_id: askedFrom ?? null, oldest_event_id: oldestId } }),
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
