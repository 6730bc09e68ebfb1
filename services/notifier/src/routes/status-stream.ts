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

/**
 * GET /api/posts/status-stream/:job_id/: one job's `job.progress` events as Server-Sent Events
 * (`id:` and `data:` with the job object, as GET /api/jobs/:job_id), ending after `final`.
 */
export const statusStreamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { hub, clients, metrics, limits } = app.fanout;
  const prefix = app.notifierConfig.redis.prefix;

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

      // A finished job: what the client missed of it, or its last state; nothing at all (204,
      // which tells EventSource to stop reconnecting) when the client already saw the end.
      let finishedReplay: StoredEvent[] | null = null;
      if (job.completedAt && lastEventId !== undefined) {
        const retention = await checkRetention(app.redis, prefix, lastEventId);
        finishedReplay = [];
        if (!retention.truncated) {
          for await (const page of replayEvents(app.redis, prefix, { afterId: lastEventId, userId, accepts })) finishedReplay.push(...page);
          if (finishedReplay.length === 0) return reply.code(204).send();
        }
      }

      reply.hijack();
      reply.raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const client = clients.add(new SseClient(reply.raw, { limits, metrics, expiresAt }));

      if (job.completedAt) {
        if (finishedReplay?.length) for (const event of finishedReplay) client.sendEvent(event);
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
