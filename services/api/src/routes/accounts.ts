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
import { recordSessionCheck } from '@autoposter/db/repositories/account-health';
import { parseCredentials, parseSessionUpdate, type AccountCredentials } from '../accounts/credentials.ts';
import { checkedAtConnect, type SessionCheckResult } from '../accounts/session-checks.ts';
import { LimitsInput, checkLimits } from '../accounts/limits.ts';
import { AccountBody, accountView } from '../accounts/view.ts';
import { badRequest, notFound } from '../plugins/errors.ts';
import { IdParams, Nullable, errorResponses } from '../schemas/common.ts';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Email = Nullable(Type.String({ format: 'email', maxLength: 254 }));
const Credentials = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'facebook_browser: {storage_state} or {cookies}; facebook_page: {page_id, access_token}; instagram_business: {ig_user_id, access_token, login?} (login: facebook (default) or instagram). Meta tokens are checked against the Graph API before they are saved: a 400 says what is wrong.',
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

const tags = ['accounts'];

export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  const keyring = app.config.secrets;
  const view = (account: Account) => accountView(account, app.config.pacing);


  /**
   * Meta tokens are checked before they are saved: a user token given for a Page, another
   * Page's token or an expired one is a 400 saying which. A check that could not be made (the
   * Graph API unreachable) lets the account be saved, flagged for a later check.
   */
  async function checkBeforeSaving(kind: AccountKind, credentials: AccountCredentials, account: Account | null): Promise<SessionCheckResult | null> {
    if (!checkedAtConnect.has(kind)) return null;
    const check = await app.sessionCheckers[kind]({ kind, credentials, account, signal: AbortSignal.timeout(app.config.graph.timeoutMs) });
    if (!check.valid && !check.temporary) throw badRequest(`${check.message}. ${check.actionRequired ?? ''}`.trim(), 'invalid_credentials');
    return check;
  }

  async function saveCheck(account: Account, check: SessionCheckResult | null): Promise<Account> {
    if (!check) return account;
    const input = { userId: account.userId, accountId: account.id, valid: check.valid, temporary: check.temporary, message: check.message };
    return (await recordSessionCheck(app.db, input)) ?? account;
  }

  async function ownedAccount(userId: string, id: string): Promise<Account> {
    const account = await findAccount(app.db, userId, id);
    if (!account) throw notFound('Account');
    return account;
  }

  app.post(
    '/',
    { schema: { operationId: 'createAccount', summary: 'Connect an account', tags, body: CreateAccountBody, response: { 201: AccountBody, ...errorResponses(400, 401) } } },
    async (request, reply) => {
      const { kind, name, email, credentials, limits } = request.body;
      const parsed = parseCredentials(kind, credentials);
      const checkedLimits = limits ? checkLimits(limits) : {};
      const check = await checkBeforeSaving(kind, parsed, null);
      const account = await createAccount(app.db, request.user.id, {
        kind,
        name,
        email: email ?? null,
        credentialsEncrypted: encryptJson(keyring, parsed),
        limits: checkedLimits,
      });
      return reply.code(201).send(view(await saveCheck(account, check)));
    },
  );

  app.get('/', { schema: { operationId: 'listAccounts', summary: "The caller's accounts", tags, response: { 200: AccountList, ...errorResponses(401) } } }, async (request) => ({
    items: (await listAccounts(app.db, request.user.id)).map(view),
  }));

  app.get(
    '/:id',
    { schema: { operationId: 'getAccount', summary: 'An account', tags, params: IdParams, response: { 200: AccountBody, ...errorResponses(400, 401, 404) } } },
    async (request) => view(await ownedAccount(request.user.id, request.params.id)),
  );

  app.patch(
    '/:id',
    {
      schema: { operationId: 'updateAccount', summary: "Change an account's name, email or limits", tags, params: IdParams, body: UpdateAccountBody, response: { 200: AccountBody, ...errorResponses(400, 401, 404) } },
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
      schema: { operationId: 'replaceAccountSession', summary: "Replace an account's session or token", tags, params: IdParams, body: SessionUpdateBody, response: { 200: AccountBody, ...errorResponses(400, 401, 404) } },
    },
    async (request) => {
      const { id } = request.params;
      const current = await ownedAccount(request.user.id, id);
      const credentials = parseSessionUpdate(
        current.kind as AccountKind,
        request.body,
        decryptJson<AccountCredentials>(keyring, current.credentialsEncrypted),
      );
      const check = await checkBeforeSaving(current.kind as AccountKind, credentials, current);
      const account = await replaceAccountSession(app.db, request.user.id, id, encryptJson(keyring, credentials));
      if (!account) throw notFound('Account');
      const saved = await saveCheck(account, check);
      // Deliveries that waited for a valid session go now.
      await app.engine
        .wakeAccountDeliveries(request.user.id, id)
        .catch((err: unknown) => request.log.warn({ err }, "could not wake the account's waiting deliveries"));
      return view(saved);
    },
  );

  app.delete(
    '/:id',
    { schema: { operationId: 'deleteAccount', summary: 'Delete an account', tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 404, 409) } } },
    async (request, reply) => {
      await app.engine.deleteAccount(request.user.id, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
