import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { decryptJson } from '@autoposter/crypto';
import type { AccountKind } from '@autoposter/db';
import { recordSessionCheck } from '@autoposter/db/repositories/account-health';
import { findAccount } from '@autoposter/db/repositories/accounts';
import { accountHealthEvent, appendEvents } from '@autoposter/queue';
import type { AccountCredentials } from '../accounts/credentials.ts';
import { accountHealthStatus, sessionAgeDays } from '../accounts/health.ts';
import type { SessionCheckResult } from '../accounts/session-checks.ts';
import { notFound } from '../plugins/errors.ts';
import { IdParams, Nullable, errorResponses } from '../schemas/common.ts';

const ValidateSessionBody = Type.Union([
  Type.Object(
    { flow: Type.Optional(Type.Literal('marketplace', { description: "browser accounts: also open the create-listing form and look for every field the flow needs" })) },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

const ValidateSessionResult = Type.Object({
  valid: Type.Boolean(),
  session_age_days: Nullable(Type.Integer({ minimum: 0 })),
  message: Type.String(),
  action_required: Nullable(Type.String({ description: 'what the user should do; null when nothing' })),
  flow_check: Type.Optional(
    Type.Object({ ok: Type.Boolean(), missing: Type.Array(Type.String({ description: 'PageObject.element' })) }, { description: 'with flow: marketplace' }),
  ),
});

/**
 * `POST /api/accounts/:id/validate-session`: really checks the session (a token check for Meta
 * kinds, a logged-in visit by the marketplace worker for browser accounts; see
 * accounts/session-checks.ts), records the result the health check uses, and pushes an
 * `account.health` event when the account's health changed.
 */
const answer = (check: SessionCheckResult, sessionAgeDays: number | null) => ({
  valid: check.valid,
  session_age_days: sessionAgeDays,
  message: check.message,
  action_required: check.actionRequired,
  ...(check.flowCheck ? { flow_check: check.flowCheck } : {}),
});

export const accountSessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/:id/validate-session',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'validateAccountSession',
        tags: ['accounts'],
        summary: "Checks an account's session now",
        params: IdParams,
        body: Type.Optional(ValidateSessionBody),
        response: { 200: ValidateSessionResult, ...errorResponses(400, 401, 404, 502, 504) },
      },
    },
    async (request) => {
      const account = await findAccount(app.db, request.user.id, request.params.id);
      if (!account) throw notFound('Account');
      const kind = account.kind as AccountKind;
      const credentials = decryptJson<AccountCredentials>(app.config.secrets, account.credentialsEncrypted);
      const flow = request.body?.flow ?? null;
      const check = await app.sessionCheckers[kind]({ kind, credentials, account, flow, signal: AbortSignal.timeout(app.config.graph.timeoutMs) });
      const now = new Date();
      if (check.recorded) {
        const current = (await findAccount(app.db, request.user.id, account.id)) ?? account;
        return answer(check, sessionAgeDays(current, now));
      }
      const before = accountHealthStatus(account, now);
      const input = { userId: account.userId, accountId: account.id, valid: check.valid, temporary: check.temporary, message: check.message };
      const recorded = (await recordSessionCheck(app.db, input)) ?? account;
      const after = accountHealthStatus(recorded, now);
      if (after !== before) {
        await appendEvents(app.redis, app.config.redis.prefix, [accountHealthEvent(recorded, after, check.message)]).catch((err: unknown) => {
          request.log.warn({ err }, 'could not append the account.health event');
        });
      }
      return answer(check, sessionAgeDays(recorded, now));
    },
  );
};
