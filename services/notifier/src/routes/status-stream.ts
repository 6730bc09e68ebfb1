import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { checkRetention, replayEvents, SseClient, Subscription } from '@autoposter/event-fanout';
import { findPostingJob, type PostingJobRow } from '@autoposter/db/repositories/posting-jobs';
import { toJobView } from '@autoposter/engine';
import type { StoredEvent } from '@autoposter/queue';
import { notFound } from '../plugins/errors.ts';
import { StreamId, Token, Uuid } from './schemas.ts';

const jobState = (job: PostingJobRow) => ({ ...toJobView(job), ...(job.completedAt ? { final: true } : {}) });
const doneCount = (data: Record<string, unknown>) => Number(data.completed_posts ?? 0) + Number(data.failed_posts ?? 0);
const isFinal = (event: StoredEvent) => event.data.final === true;
const eventStreamHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Nginx would buffer the stream otherwise.
  'x-accel-buffering': 'no',
};

/**
 * GET /api/posts/status-stream/:job_id/: one job's `job.progress` events as Server-Sent Events
 * (`id:` and `data:` with the job object, as GET /api/jobs/:job_id), ending after `final`.
 */
export const statusStreamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { hub, clients, metrics, limits } = app.fanout;
  const prefix = app.notifierConfig.redis.prefix;

  /**
   * What a client that saw events up to `lastEventId` missed of a finished job: its events
   * after the id (empty when it saw the end), or null when the stream no longer has them all
   * (then the job's last state is sent instead).
   */
  async function missedOfFinishedJob(userId: string, lastEventId: string, accepts: (event: StoredEvent) => boolean) {
    if ((await checkRetention(app.redis, prefix, lastEventId)).truncated) return null;
    const missed: StoredEvent[] = [];
    for await (const page of replayEvents(app.redis, prefix, { afterId: lastEventId, userId, accepts })) missed.push(...page);
    return missed;
  }

  app.get(
    '/api/posts/status-stream/:job_id/',
    {
      onRequest: app.authenticateClient,
      schema: {
        params: Type.Object({ job_id: Uuid }),
        querystring: Type.Object({ token: Token }),
        headers: Type.Object({ 'last-event-id': Type.Optional(StreamId) }),
      },
    },
    async (request, reply) => {
      const { userId, expiresAt } = request.holder;
      const jobId = request.params.job_id;
      const lastEventId = request.headers['last-event-id'];
      const job = await findPostingJob(app.db, userId, jobId);
      if (!job) throw notFound('Posting job');
      const accepts = (event: StoredEvent) => event.type === 'job.progress' && event.job_id === jobId;

      const missed = job.completedAt && lastEventId !== undefined ? await missedOfFinishedJob(userId, lastEventId, accepts) : null;
      // The client saw the end already: 204 tells EventSource to stop reconnecting.
      if (missed?.length === 0) return reply.code(204).send();

      reply.hijack();
      reply.raw.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), ...eventStreamHeaders });
      const client = clients.add(new SseClient(reply.raw, { limits, metrics, expiresAt }));
      app.watchToken(client, request.holder.token);

      if (job.completedAt) {
        if (missed?.length) for (const event of missed) client.sendEvent(event);
        else client.sendData(jobState(job));
        client.end();
        return;
      }

      // Without a Last-Event-ID (or when what it asks for was trimmed), the job's current state
      // comes first; live events older than it are then skipped, as it already shows them.
      let stateFirst = lastEventId === undefined;
      let shownDone = -1;
      const subscription = new Subscription({
        hub,
        redis: app.redis,
        prefix,
        userId,
        accepts: (event) => accepts(event) && doneCount(event.data) >= shownDone,
        lastEventId,
        deliver: (event) => {
          client.sendEvent(event);
          if (isFinal(event)) client.end();
        },
        onTruncated: () => (stateFirst = true),
        beforeLive: async () => {
          if (!stateFirst) return;
          const current = await findPostingJob(app.db, userId, jobId);
          if (!current) throw notFound('Posting job');
          shownDone = current.completedPosts + current.failedPosts;
          client.sendData(jobState(current));
          if (current.completedAt) client.end();
        },
        onOverflow: () => client.drop('too_slow'),
      });
      client.onClose(() => subscription.close());
      subscription.ready.catch((err: unknown) => {
        request.log.error({ err }, 'status stream failed');
        client.end();
      });
    },
  );
};
