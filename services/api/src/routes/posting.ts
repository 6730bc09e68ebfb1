import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { StartedRun } from '@autoposter/engine';
import { badRequest } from '../plugins/errors.ts';
import { UUID_REGEX } from '@autoposter/db';
import { IdParams, Timestamp, Uuid, errorResponses } from '../schemas/common.ts';

const MAX_POST_IDS = 1000;

const RunAccepted = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  job_id: Uuid,
  status_stream_url: Type.String({
    description:
      "This job's progress as Server-Sent Events, on the notifier (NOTIFIER_PUBLIC_URL). Add `?token=<access token>` (an EventSource cannot set headers) or send Authorization: Bearer. " +
      'Each event has `id:` and `data:` with the job as GET /api/jobs/{job_id}; the stream ends after the event with `final: true`; reconnecting with Last-Event-ID resumes after it. ' +
      "A page may open it only if its origin is in the notifier's WEB_ORIGIN.",
  }),
  ws_url: Type.String({
    description:
      'A WebSocket on the notifier (NOTIFIER_PUBLIC_URL) narrowed to this job, from its start. Append `&token=<access token>`, and `&last_event_id=<last id received>` to resume. ' +
      'Messages are `{id, type, data}` (`job.progress`, `delivery.updated`); close codes 1001 going away, 1011 replay failed, 1013 too slow, 4001 token expired (reconnect with a new token).',
  }),
});

const StartPostingAccepted = Type.Intersect([
  RunAccepted,
  Type.Object({ pending_count: Type.Integer(), total_selected: Type.Integer() }),
]);

const ScheduleResult = Type.Object({
  id: Uuid,
  scheduled_at: Type.Union([Timestamp, Type.Null()]),
  job_id: Type.Optional(Uuid),
  canceled_deliveries: Type.Optional(Type.Integer({ description: 'Deliveries canceled now: nothing is published for them.' })),
  cancel_requested_deliveries: Type.Optional(
    Type.Integer({ description: 'Deliveries a worker was publishing: canceled when that attempt ends without posting, posted if it lands.' }),
  ),
});

/** Starting, scheduling, canceling and retrying posts: each answers at once; workers do the publishing. */
export const postingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // onRequest: a request without a valid token gets 401 before its body is even parsed.
  app.addHook('onRequest', app.authenticate);
  const { publicUrl } = app.config.notifier;

  const accepted = (run: StartedRun, message: string) => ({
    success: true as const,
    message,
    job_id: run.jobId,
    status_stream_url: `${publicUrl}/api/posts/status-stream/${run.jobId}/`,
    ws_url: `${publicUrl.replace(/^http/, 'ws')}/ws?job_id=${run.jobId}`,
  });

  app.post(
    '/start-posting',
    {
      attachValidation: true,
      schema: {
        operationId: 'startPosting',
        tags: ['posting'],
        summary: "Publish the caller's pending posts now",
        body: Type.Object({ post_ids: Type.Array(Uuid, { maxItems: MAX_POST_IDS }) }),
        response: { 202: StartPostingAccepted, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      if (request.validationError) throw postIdsError(request.body);
      const run = await app.engine.startPosting(request.user.id, request.body.post_ids);
      return reply.code(202).send({
        ...accepted(run, `Started posting process for ${run.postCount} pending post(s)`),
        pending_count: run.postCount,
        total_selected: new Set(request.body.post_ids).size,
      });
    },
  );

  app.post(
    '/:id/publish-now',
    {
      schema: {
        operationId: 'publishPostNow',
        summary: 'Publish a post now',
        tags: ['posting'],
        params: IdParams,
        response: { 202: RunAccepted, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const run = await app.engine.publishNow(request.user.id, request.params.id);
      return reply.code(202).send(accepted(run, `Publishing ${run.deliveryCount} delivery(ies) now`));
    },
  );

  app.post(
    '/:id/schedule',
    {
      schema: {
        operationId: 'schedulePost',
        summary: 'Schedule or reschedule a post',
        tags: ['posting'],
        params: IdParams,
        body: Type.Object({ scheduled_at: Timestamp }, { additionalProperties: false }),
        response: { 200: ScheduleResult, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const at = new Date(request.body.scheduled_at);
      const run = await app.engine.schedulePost(request.user.id, request.params.id, at);
      return { id: request.params.id, scheduled_at: at.toISOString(), job_id: run.jobId };
    },
  );

  app.delete(
    '/:id/schedule',
    {
      schema: {
        operationId: 'unschedulePost',
        summary: "Cancel a post's schedule",
        tags: ['posting'],
        params: IdParams,
        response: { 200: ScheduleResult, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const { canceled, cancelRequested } = await app.engine.unschedulePost(request.user.id, request.params.id);
      return { id: request.params.id, scheduled_at: null, canceled_deliveries: canceled, cancel_requested_deliveries: cancelRequested };
    },
  );

  app.post(
    '/:id/retry',
    {
      schema: {
        operationId: 'retryPost',
        tags: ['posting'],
        summary: "Retry a post's failed deliveries (only those)",
        params: IdParams,
        response: { 202: RunAccepted, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const run = await app.engine.retryPost(request.user.id, request.params.id);
      return reply.code(202).send(accepted(run, `Retrying ${run.deliveryCount} failed delivery(ies)`));
    },
  );

  app.post(
    '/retry-failed',
    {
      schema: {
        operationId: 'retryFailedPosts',
        tags: ['posting'],
        summary: 'Retry failed deliveries of the given posts, or of all posts',
        body: Type.Object({ post_ids: Type.Optional(Type.Array(Uuid, { maxItems: MAX_POST_IDS })) }),
        response: { 202: RunAccepted, ...errorResponses(400, 401) },
      },
      // No body at all means what `{}` means: every failed delivery of the caller.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
    },
    async (request, reply) => {
      const run = await app.engine.retryFailed(request.user.id, request.body.post_ids ?? null);
      return reply.code(202).send(accepted(run, `Retrying ${run.deliveryCount} failed delivery(ies)`));
    },
  );
};

function postIdsError(body: unknown) {
  const postIds = (body as { post_ids?: unknown } | null)?.post_ids;
  if (!Array.isArray(postIds)) return badRequest('Please provide post_ids as an array');
  if (postIds.length > MAX_POST_IDS) return badRequest(`post_ids may hold at most ${MAX_POST_IDS} ids`);
  const index = postIds.findIndex((id) => typeof id !== 'string' || !UUID_REGEX.test(id));
  return badRequest(index >= 0 ? `post_ids[${index}] must be a UUID` : 'post_ids must be an array of UUIDs');
}
