import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { encryptSecret } from '@autoposter/crypto';
import { webhookEventTypes, type WebhookEventType } from '@autoposter/db';
import { createWebhook, deleteWebhook, findWebhook, listWebhookCalls, listWebhooks, type WebhookRow } from '@autoposter/db/repositories/webhooks';
import { assertWebhookUrl, newWebhookSecret, WebhookUrlError } from '@autoposter/webhooks';
import { badRequest, notFound } from '../plugins/errors.ts';
import { errorResponses, IdParams, Nullable, Timestamp, Uuid } from '../schemas/common.ts';

const EventType = Type.Enum(webhookEventTypes);

const Webhook = Type.Object({
  id: Uuid,
  url: Type.String(),
  events: Type.Array(EventType),
  created_at: Timestamp,
});

const CreatedWebhook = Type.Intersect([
  Webhook,
  Type.Object({
    secret: Type.String({
      description:
        'signs every call (`X-Autoposter-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`); shown this once, store it now',
    }),
  }),
]);

const CreateBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'an https URL reachable on the public internet' }),
    events: Type.Array(EventType, { minItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
);

const WebhookCall = Type.Object({
  id: Uuid,
  event_id: Type.String({ description: 'the `id` of the body sent; the same on every attempt' }),
  event: EventType,
  attempt: Type.Integer({ minimum: 1 }),
  status_code: Nullable(Type.Integer({ description: 'null when no answer came' })),
  duration_ms: Type.Integer(),
  error: Nullable(Type.String({ description: 'why the call failed; null on a 2xx answer' })),
  created_at: Timestamp,
});

const view = (row: WebhookRow) => ({ id: row.id, url: row.url, events: row.events as WebhookEventType[], created_at: row.createdAt.toISOString() });

/** Webhooks: an owner's URLs that get signed calls for the event types they chose (the notifier makes the calls). */
export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);
  const policy = app.config.webhookAddresses;

  app.post(
    '/',
    {
      schema: {
        operationId: 'createWebhook',
        tags: ['webhooks'],
        summary: 'Register a webhook; the answer shows its signing secret once',
        description:
          'Calls are `POST` with a JSON body `{id, type, created_at, data}` (data: post_id, delivery_id, channel, status, permalink, error, and more per type), retried with backoff for 24 h until a 2xx. URLs that resolve to loopback, private, link-local or metadata addresses are refused.',
        body: CreateBody,
        response: { 201: CreatedWebhook, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { url, events } = request.body;
      try {
        await assertWebhookUrl(url, policy);
      } catch (err) {
        if (err instanceof WebhookUrlError) throw badRequest(`body.${err.message}`, 'webhook_url_refused');
        throw err;
      }
      const secret = newWebhookSecret();
      const row = await createWebhook(app.db, request.user.id, { url, events, secretEncrypted: encryptSecret(app.config.secrets, secret) });
      return reply.code(201).send({ ...view(row), secret });
    },
  );

  app.get(
    '/',
    {
      schema: {
        operationId: 'listWebhooks',
        tags: ['webhooks'],
        summary: "The caller's webhooks (without their secrets)",
        response: { 200: Type.Object({ items: Type.Array(Webhook) }), ...errorResponses(401) },
      },
    },
    async (request) => ({ items: (await listWebhooks(app.db, request.user.id)).map(view) }),
  );

  app.delete(
    '/:id',
    {
      schema: {
        operationId: 'deleteWebhook',
        tags: ['webhooks'],
        summary: 'Delete a webhook: calls not yet made are dropped',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      if (!(await deleteWebhook(app.db, request.user.id, request.params.id))) throw notFound('Webhook');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookCalls',
        tags: ['webhooks'],
        summary: "A webhook's calls, newest first: status code, duration, attempt (answer bodies are not stored)",
        params: IdParams,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) }),
        response: { 200: Type.Object({ items: Type.Array(WebhookCall) }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      if (!(await findWebhook(app.db, request.user.id, request.params.id))) throw notFound('Webhook');
      const calls = await listWebhookCalls(app.db, request.user.id, request.params.id, request.query.limit);
      return {
        items: calls.map((call) => ({
          id: call.id,
          event_id: call.eventId,
          event: call.eventType as WebhookEventType,
          attempt: call.attempt,
          status_code: call.statusCode,
          duration_ms: call.durationMs,
          error: call.error,
          created_at: call.createdAt.toISOString(),
        })),
      };
    },
  );
};
