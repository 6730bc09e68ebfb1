import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { accountKinds, type AccountKind } from '@autoposter/db';
import { listAccountStats, type AccountStatsRow } from '@autoposter/db/repositories/account-stats';
import { accountHealthStatus, sessionAgeDays, sessionExists, type AccountHealthStatus } from '../accounts/health.ts';
import { errorResponses, Nullable, Uuid } from '../schemas/common.ts';

const worstFirst = ['error', 'warning', 'healthy'] as const satisfies readonly AccountHealthStatus[];
const worstOf = (statuses: AccountHealthStatus[]): AccountHealthStatus => worstFirst.find((s) => statuses.includes(s)) ?? 'healthy';

const HealthStatusSchema = Type.Enum(worstFirst);

const AccountHealth = Type.Object({
  account_id: Uuid,
  name: Type.String(),
  email: Nullable(Type.String()),
  kind: Type.Enum(accountKinds),
  session_exists: Type.Boolean(),
  session_valid: Nullable(Type.Boolean({ description: 'null: never checked' })),
  session_age_days: Nullable(Type.Integer({ minimum: 0, description: 'null without a session' })),
  total_posts: Type.Integer({ minimum: 0, description: "the account's deliveries" }),
  posted_count: Type.Integer({ minimum: 0 }),
  failed_count: Type.Integer({ minimum: 0 }),
  health_status: HealthStatusSchema,
});

const HealthReport = Type.Object({
  overall_health: HealthStatusSchema,
  summary: Type.Object({
    total_accounts: Type.Integer({ minimum: 0 }),
    healthy: Type.Integer({ minimum: 0 }),
    warning: Type.Integer({ minimum: 0 }),
    error: Type.Integer({ minimum: 0 }),
  }),
  accounts: Type.Array(AccountHealth),
});

const toAccountHealth = (row: AccountStatsRow, now: Date) => ({
  account_id: row.id,
  name: row.name,
  email: row.email,
  kind: row.kind as AccountKind,
  session_exists: sessionExists(row),
  session_valid: row.sessionValid,
  session_age_days: sessionAgeDays(row, now),
  total_posts: row.totalDeliveries,
  posted_count: row.postedDeliveries,
  failed_count: row.failedDeliveries,
  health_status: accountHealthStatus(row, now),
});

export const accountHealthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health-check',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'checkAccountsHealth',
        tags: ['accounts'],
        summary: "The health of the caller's account sessions",
        response: { 200: HealthReport, ...errorResponses(401) },
      },
    },
    async (request) => {
      const now = new Date();
      const accounts = (await listAccountStats(app.db, request.user.id)).map((row) => toAccountHealth(row, now));
      const statuses = accounts.map((a) => a.health_status);
      const countOf = (status: AccountHealthStatus) => statuses.filter((s) => s === status).length;
      return {
        overall_health: worstOf(statuses),
        summary: { total_accounts: accounts.length, healthy: countOf('healthy'), warning: countOf('warning'), error: countOf('error') },
        accounts,
      };
    },
  );
};
