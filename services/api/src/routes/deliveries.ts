import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  attemptOutcomes,
  channels,
  deliveryStatuses,
  errorTypes,
  logLevels,
  type AttemptOutcome,
  type Channel,
  type DeliveryStatus,
  type ErrorType,
  type LogLevel,
} from '@autoposter/db';
import {
  findDeliveryWithAttempts,
  listDeliveryLogs,
  type DeliveryAttemptRow,
  type DeliveryLogRow,
  type DeliveryRow,
} from '@autoposter/db/repositories/delivery-reads';
import { notFound } from '../plugins/errors.ts';
import { errorResponses, IdParams, Nullable, NullableTimestamp, Timestamp, toIso, Uuid } from '../schemas/common.ts';
import { artifactUrl } from './artifacts.ts';

const Attempt = Type.Object({
  attempt_no: Type.Integer({ minimum: 1 }),
  started_at: Timestamp,
  finished_at: NullableTimestamp,
  outcome: Type.Enum(attemptOutcomes),
  error_type: Nullable(Type.Enum(errorTypes)),
  error_code: Nullable(Type.String()),
  error_message: Nullable(Type.String()),
  screenshot_url: Type.Optional(Type.String({ description: 'GET it with the same token' })),
  page_html_url: Type.Optional(Type.String({ description: "the failing page's HTML, secrets scrubbed (browser channels); GET it with the same token" })),
  provider_post_id: Type.Optional(Type.String()),
});

const Delivery = Type.Object({
  id: Uuid,
  post_id: Uuid,
  channel: Type.Enum(channels),
  account_id: Uuid,
  target_id: Nullable(Type.String()),
  status: Type.Enum(deliveryStatuses),
  attempt_count: Type.Integer({ minimum: 0 }),
  next_attempt_at: NullableTimestamp,
  last_error_type: Nullable(Type.Enum(errorTypes)),
  last_error_code: Nullable(Type.String()),
  last_error_message: Nullable(Type.String()),
  provider_post_id: Nullable(Type.String()),
  permalink: Nullable(Type.String()),
  posted_at: NullableTimestamp,
  created_at: Timestamp,
  updated_at: Timestamp,
  attempts: Type.Array(Attempt),
});

const LogLine = Type.Object(
  {
    timestamp: Timestamp,
    level: Type.Enum(logLevels),
    message: Type.String(),
    attempt_no: Nullable(Type.Integer()),
  },
  { additionalProperties: true, description: "the line's structured fields follow" },
);

const Logs = Type.Object({ logs: Type.Array(LogLine) });

const LogsQuery = Type.Object({
  level: Type.Optional(Type.Enum(logLevels, { description: 'only lines of this level' })),
  download: Type.Integer({ minimum: 0, maximum: 1, default: 0, description: '1: send as a JSON file attachment' }),
});

// In the views below, the casts restate what the database's CHECK constraints guarantee.
function toAttemptView(attempt: DeliveryAttemptRow) {
  const screenshotUrl = artifactUrl(attempt.screenshotArtifactId);
  const pageHtmlUrl = artifactUrl(attempt.pageHtmlArtifactId);
  return {
    attempt_no: attempt.attemptNo,
    started_at: attempt.startedAt.toISOString(),
    finished_at: toIso(attempt.finishedAt),
    outcome: attempt.outcome as AttemptOutcome,
    error_type: attempt.errorType as ErrorType | null,
    error_code: attempt.errorCode,
    error_message: attempt.errorMessage,
    ...(screenshotUrl ? { screenshot_url: screenshotUrl } : {}),
    ...(pageHtmlUrl ? { page_html_url: pageHtmlUrl } : {}),
    ...(attempt.providerPostId ? { provider_post_id: attempt.providerPostId } : {}),
  };
}

function toDeliveryView(delivery: DeliveryRow, attempts: DeliveryAttemptRow[]) {
  return {
    id: delivery.id,
    post_id: delivery.postId,
    channel: delivery.channel as Channel,
    account_id: delivery.accountId,
    target_id: delivery.targetId,
    status: delivery.status as DeliveryStatus,
    attempt_count: delivery.attemptCount,
    next_attempt_at: toIso(delivery.nextAttemptAt),
    last_error_type: delivery.lastErrorType as ErrorType | null,
    last_error_code: delivery.lastErrorCode,
    last_error_message: delivery.lastErrorMessage,
    provider_post_id: delivery.providerPostId,
    permalink: delivery.permalink,
    posted_at: toIso(delivery.postedAt),
    created_at: delivery.createdAt.toISOString(),
    updated_at: delivery.updatedAt.toISOString(),
    attempts: attempts.map(toAttemptView),
  };
}

/** A log line: its structured fields, with the line's own keys taking precedence over them. */
const toLogLine = (log: DeliveryLogRow) => ({
  ...log.fields,
  timestamp: log.createdAt.toISOString(),
  level: log.level as LogLevel,
  message: log.message,
  attempt_no: log.attemptNo,
});

export const deliveryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/:id',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'getDelivery',
        tags: ['deliveries'],
        summary: 'A delivery with its attempts',
        params: IdParams,
        response: { 200: Delivery, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const found = await findDeliveryWithAttempts(app.db, request.user.id, request.params.id);
      if (!found) throw notFound('Delivery');
      return toDeliveryView(found.delivery, found.attempts);
    },
  );

  app.get(
    '/:id/logs',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'getDeliveryLogs',
        tags: ['deliveries'],
        summary: "A delivery's log lines, in order",
        params: IdParams,
        querystring: LogsQuery,
        response: { 200: Logs, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const logs = await listDeliveryLogs(app.db, request.user.id, id, { level: request.query.level });
      if (!logs) throw notFound('Delivery');
      if (request.query.download === 1) reply.header('content-disposition', `attachment; filename="delivery-${id}-logs.json"`);
      return { logs: logs.map(toLogLine) };
    },
  );
};
