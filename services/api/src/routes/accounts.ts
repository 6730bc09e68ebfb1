import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { accountKinds, type AccountKind } from '@autoposter/db';
import { decryptJson, encryptJson } from '@autoposter/crypto';
import {
  createAccount,
  findAccount,
  listAccounts,
  replaceAccountSession,
  updateAccount,
  type Account,
} from '@autoposter/db/repositories/accounts';
import { actionRequired, createBrowserSessionChecker } from '../accounts/browser-session-check.ts';
import { parseCredentials, parseSessionUpdate, type AccountCredentials } from '../accounts/credentials.ts';
import { sessionAgeDays } from '../accounts/health.ts';
import { LimitsInput, checkLimits } from '../accounts/limits.ts';
import { AccountBody, accountView } from '../accounts/view.ts';
import { badRequest, notFound } from '../plugins/errors.ts';
import { IdParams, Nullable, errorResponses } from '../schemas/common.ts';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Email = Nullable(Type.String({ format: 'email', maxLength: 254 }));
const Credentials = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'facebook_browser: {storage_state} or {cookies}; facebook_page: {page_id, access_token}; instagram_business: {ig_user_id, access_token}',
});

const CreateAccountBody = Type.Object(
  {
    kind: Type.Enum(accountKinds),
    name: Name,
    email: Type.Optional(Email),
    credentials: Credentials,
    limits: Type.Optional(LimitsInput),
  },
  { additionalProperties: false },
);
const UpdateAccountBody = Type.Object(
  { name: Type.Optional(Name), email: Type.Optional(Email), limits: Type.Optional(LimitsInput) },
  { additionalProperties: false },
);
const SessionUpdateBody = Type.Record(Type.String(), Type.Unknown(), {
  description: 'facebook_browser: {storage_state} or {cookies}; facebook_page and instagram_business: {access_token}',
});
const AccountList = Type.Object({ items: Type.Array(AccountBody) });
const ValidateSessionBody = Type.Object(
  { flow: Type.Optional(Type.Literal('marketplace', { description: "also open the flow's form and look for every field it needs, without publishing" })) },
  { additionalProperties: false },
);
const SessionValidation = Type.Object({
  valid: Type.Boolean(),
  session_age_days: Nullable(Type.Integer({ minimum: 0 })),
  message: Type.String(),
  action_required: Nullable(Type.String()),
  flow_check: Type.Optional(Type.Object({ ok: Type.Boolean(), missing: Type.Array(Type.String({ description: 'PageObject.element' })) })),
});

const tags = ['accounts'];

export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  const keyring = app.config.secrets;
  const view = (account: Account) => accountView(account, app.config.pacing);

  async function ownedAccount(userId: string, id: string): Promise<Account> {
    const account = await findAccount(app.db, userId, id);
    if (!account) throw notFound('Account');
    return account;
  }

  app.post(
    '/',
    { schema: { tags, body: CreateAccountBody, response: { 201: AccountBody, ...errorResponses(400, 401) } } },
    async (request, reply) => {
      const { kind, name, email, credentials, limits } = request.body;
      const account = await createAccount(app.db, request.user.id, {
        kind,
        name,
        email: email ?? null,
        credentialsEncrypted: encryptJson(keyring, parseCredentials(kind, credentials)),
        limits: limits ? checkLimits(limits) : {},
      });
      return reply.code(201).send(view(account));
    },
  );

  app.get('/', { schema: { tags, response: { 200: AccountList, ...errorResponses(401) } } }, async (request) => ({
    items: (await listAccounts(app.db, request.user.id)).map(view),
  }));

  app.get(
    '/:id',
    { schema: { tags, params: IdParams, response: { 200: AccountBody, ...errorResponses(400, 401, 404) } } },
    async (request) => view(await ownedAccount(request.user.id, request.params.id)),
  );

  app.patch(
    '/:id',
    {
      schema: { tags, params: IdParams, body: UpdateAccountBody, response: { 200: AccountBody, ...errorResponses(400, 401, 404) } },
    },
    async (request) => {
      const { name, email, limits } = request.body;
      if (name === undefined && email === undefined && limits === undefined) {
        throw badRequest('Send at least one of name, email, limits');
      }
      const account = await updateAccount(app.db, request.user.id, request.params.id, {
        name,
        email,
        limits: limits && checkLimits(limits),
      });
      if (!account) throw notFound('Account');
      return view(account);
    },
  );

  app.put(
    '/:id/session',
    {
      schema: { tags, params: IdParams, body: SessionUpdateBody, response: { 200: AccountBody, ...errorResponses(400, 401, 404) } },
    },
    async (request) => {
      const { id } = request.params;
      const current = await ownedAccount(request.user.id, id);
      const credentials = parseSessionUpdate(
        current.kind as AccountKind,
        request.body,
        decryptJson<AccountCredentials>(keyring, current.credentialsEncrypted),
      );
      const account = await replaceAccountSession(app.db, request.user.id, id, encryptJson(keyring, credentials));
      if (!account) throw notFound('Account');
      // Deliveries that waited for a valid session go now.
      await app.engine.wakeAccountDeliveries(request.user.id, id).catch((err: unknown) => request.log.warn({ err }, 'could not wake the account\'s waiting deliveries'));
      return view(account);
    },
  );

  const browserSessions = createBrowserSessionChecker({ redis: app.redis, prefix: app.config.redis.prefix, timeoutMs: app.config.sessionCheck.timeoutMs });
  app.addHook('onClose', () => browserSessions.close());

  app.post(
    '/:id/validate-session',
    {
      schema: {
        tags,
        summary: 'Checks the session for real: a logged-in visit by the worker (facebook_browser)',
        params: IdParams,
        body: ValidateSessionBody,
        response: { 200: SessionValidation, ...errorResponses(400, 401, 404, 502, 504) },
      },
      // No body at all means what `{}` means: the session only.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
    },
    async (request) => {
      const account = await ownedAccount(request.user.id, request.params.id);
      if (account.kind !== 'facebook_browser') throw badRequest(`validate-session is not available for ${account.kind} accounts yet`, 'unsupported_kind');
      const flow = request.body.flow ?? null;
      const answer = await browserSessions.check(account, flow);
      const checked = (await findAccount(app.db, request.user.id, account.id)) ?? account;
      return {
        valid: answer.valid,
        session_age_days: sessionAgeDays(checked, new Date()),
        message: answer.message,
        action_required: actionRequired(account.id, answer),
        ...(flow && answer.flow_check ? { flow_check: answer.flow_check } : {}),
      };
    },
  );

  app.delete(
    '/:id',
    { schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 404, 409) } } },
    async (request, reply) => {
      await app.engine.deleteAccount(request.user.id, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
