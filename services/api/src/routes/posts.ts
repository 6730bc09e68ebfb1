import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { findPost, listPosts } from '@autoposter/db/repositories/posts';
import { notFound } from '../plugins/errors.ts';
import { decodeCursor, encodeCursor } from '../posts/cursor.ts';
import { PostWarning, duplicateWarnings } from '../posts/duplicate-warnings.ts';
import { runIdempotent } from '../posts/idempotency.ts';
import { createPost, updatePost } from '../posts/post-commands.ts';
import {
  CreatePostBody,
  DEFAULT_PAGE_SIZE,
  IdempotencyHeaders,
  ListPostsQuery,
  PatchPostBody,
} from '../posts/post-requests.ts';
import { PostView, toPostView } from '../posts/post-view.ts';
import { IdParams, Nullable, Uuid, errorResponses } from '../schemas/common.ts';

const PostPage = Type.Object({
  items: Type.Array(PostView),
  next_cursor: Nullable(Type.String({ description: 'pass as ?cursor= for the next page; null on the last page' })),
});

const CreatedPost = Type.Object({
  ...PostView.properties,
  warnings: Type.Optional(Type.Array(PostWarning, { description: 'e.g. possible_duplicate: the same content was published to a target in the last 7 days' })),
});

const DeletedPost = Type.Object({ id: Uuid, deleted: Type.Literal(true) });

const tags = ['posts'];

export const postRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // onRequest, not preHandler: a request without a valid token gets 401 before its body is even parsed.
  app.addHook('onRequest', app.authenticate);


  app.post(
    '/',
    {
      schema: {
        operationId: 'createPost',
        tags,
        summary: 'Create a post with one delivery per target',
        description:
          'With Idempotency-Key, the same key and body within 24 h answers the first result (header Idempotent-Replayed: true) and never creates a second post. If that post has since been deleted, the replay is a 404, as for any missing post.',
        headers: IdempotencyHeaders,
        body: CreatePostBody,
        response: { 201: CreatedPost, ...errorResponses(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const userId = request.user.id;
      const scope = { userId, key: request.headers['idempotency-key'], payload: request.body };
      const result = await runIdempotent(app.db, scope, 201, (tx) => createPost(tx, userId, request.body));
      if (result.replayed) {
        // The stored answer describes a post that may be gone: a deleted post is not brought back.
        if (!(await findPost(app.db, userId, result.body.id))) throw notFound('Post');
        reply.header('idempotent-replayed', 'true');
      }
      else if (request.body.scheduled_at) {
        // Committed already: a failure here must not turn the 201 into an error, and loses
        // nothing (the dispatch pass finds scheduled deliveries on its own).
        await app.engine
          .scheduleCreatedPost(userId, result.body.id)
          .catch((err: unknown) => request.log.warn({ err }, 'scheduled post left to the dispatch pass'));
      }
      if (result.replayed) return reply.code(201).send(result.body);
      const warnings = await duplicateWarnings(app.db, userId, result.body);
      return reply.code(201).send(warnings.length > 0 ? { ...result.body, warnings } : result.body);
    },
  );

  app.get(
    '/',
    {
      schema: {
        operationId: 'listPosts',
        tags,
        summary: "The caller's posts, newest first",
        querystring: ListPostsQuery,
        response: { 200: PostPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { status, channel, account_id: accountId, limit = DEFAULT_PAGE_SIZE, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const page = await listPosts(app.db, request.user.id, { status, channel, accountId }, { limit, after });
      return { items: page.items.map(toPostView), next_cursor: page.last ? encodeCursor(page.last) : null };
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getPost',
        tags,
        summary: 'A post with its deliveries',
        params: IdParams,
        response: { 200: PostView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const post = await findPost(app.db, request.user.id, request.params.id);
      if (!post) throw notFound('Post');
      return toPostView(post);
    },
  );

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updatePost',
        tags,
        summary: "Change a post's content",
        description: '409 post_processing while a delivery is being published; 409 post_published once every delivery is posted.',
        params: IdParams,
        body: PatchPostBody,
        response: { 200: PostView, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => updatePost(app.db, request.user.id, request.params.id, request.body),
  );

  app.delete(
    '/:id',
    {
      schema: {
        operationId: 'deletePost',
        tags,
        summary: 'Delete a post and cancel its deliveries that have not started',
        description: '409 post_processing while a delivery is being published.',
        params: IdParams,
        response: { 200: DeletedPost, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => {
      await app.engine.deletePost(request.user.id, request.params.id);
      return { id: request.params.id, deleted: true as const };
    },
  );
};
