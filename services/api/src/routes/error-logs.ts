import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { channels, errorTypes, type Channel, type ErrorType } from '@autoposter/db';
import { listErrorLogs, type ErrorLogRow } from '@autoposter/db/repositories/error-logs';
import { errorResponses, Nullable, Timestamp, Uuid } from '../schemas/common.ts';
import { artifactUrl } from './artifacts.ts';

const ErrorLog = Type.Object({
  id: Uuid,
  post: Uuid,
  post_title: Type.String({ description: 'the title, or the start of the body for posts without one' }),
  delivery_id: Uuid,
  channel: Type.Enum(channels),
  error_type: Type.Enum(errorTypes),
  error_message: Nullable(Type.String()),
  stack_trace: Nullable(Type.String()),
  screenshot: Nullable(Type.String({ description: 'GET it with the same token' })),
  page_html: Nullable(Type.String({ description: "the failing page's HTML, secrets scrubbed (browser channels); GET it with the same token" })),
  created_at: Timestamp,
});

const ErrorLogList = Type.Object({
  count: Type.Integer({ minimum: 0, description: 'how many are returned' }),
  error_logs: Type.Array(ErrorLog),
});

const ErrorLogQuery = Type.Object({
  post_id: Type.Optional(Uuid),
  error_type: Type.Optional(Type.Enum(errorTypes)),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
});

const toErrorLogView = (row: ErrorLogRow) => ({
  id: row.attemptId,
  post: row.postId,
  post_title: row.postTitle,
  delivery_id: row.deliveryId,
  channel: row.channel as Channel,
  error_type: row.errorType as ErrorType,
  error_message: row.errorMessage,
  stack_trace: row.stackTrace,
  screenshot: artifactUrl(row.screenshotArtifactId),
  page_html: artifactUrl(row.pageHtmlArtifactId),
  created_at: row.occurredAt.toISOString(),
});

export const errorLogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'listErrorLogs',
        tags: ['deliveries'],
        summary: "Failed attempts of the caller's posts, newest first",
        querystring: ErrorLogQuery,
        response: { 200: ErrorLogList, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { post_id: postId, error_type: errorType, limit } = request.query;
      const rows = await listErrorLogs(app.db, request.user.id, { postId, errorType, limit });
      return { count: rows.length, error_logs: rows.map(toErrorLogView) };
    },
  );
};
