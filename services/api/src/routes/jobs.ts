import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { jobStatuses } from '@autoposter/db';
import { findPostingJob, listPostingJobs } from '@autoposter/db/repositories/posting-jobs';
import { toJobView } from '@autoposter/engine';
import { notFound } from '../plugins/errors.ts';
import { decodeCursor, encodeCursor } from '../posts/cursor.ts';
import { errorResponses, Nullable, NullableTimestamp, Uuid } from '../schemas/common.ts';

const Job = Type.Object({
  job_id: Uuid,
  status: Type.Enum(jobStatuses),
  total_posts: Type.Integer(),
  completed_posts: Type.Integer(),
  failed_posts: Type.Integer(),
  current_post_id: Nullable(Uuid),
  current_post_title: Nullable(Type.String()),
  started_at: NullableTimestamp,
  completed_at: NullableTimestamp,
  progress_percentage: Type.Number({ minimum: 0, maximum: 100 }),
});

const JobList = Type.Object({
  items: Type.Array(Job),
  next_cursor: Nullable(Type.String({ description: 'pass as `cursor` for the next page; null on the last page' })),
});

const ListQuery = Type.Object({
  status: Type.Optional(Type.Enum(jobStatuses)),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

/** The contract's job view; the database's CHECK guarantees the status. */

export const jobRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'listJobs',
        tags: ['jobs'],
        summary: "The caller's posting jobs, newest first",
        querystring: ListQuery,
        response: { 200: JobList, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const rows = await listPostingJobs(app.db, request.user.id, { status, limit: limit + 1, after });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map(toJobView),
        next_cursor: rows.length > limit && last ? encodeCursor({ createdAt: last.position, id: last.id }) : null,
      };
    },
  );

  app.get(
    '/:job_id',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'getJob',
        tags: ['jobs'],
        summary: 'A posting job and its progress',
        params: Type.Object({ job_id: Uuid }),
        response: { 200: Job, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const job = await findPostingJob(app.db, request.user.id, request.params.job_id);
      if (!job) throw notFound('Posting job');
      return toJobView(job);
    },
  );
};
