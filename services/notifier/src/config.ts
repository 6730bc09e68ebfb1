import Type from 'typebox';
import { databaseSection, httpSection, loggingSection, parseDuration, providerUrlsSection, redisSection, secretsSection, section, webhookAddressSection, type ConfigOf } from '@autoposter/config';

export const notifierSection = section(
  {
    JWT_SECRET: Type.String({ minLength: 32, description: "the gateway's JWT_SECRET" }),
    WEB_ORIGIN: Type.String({
      default: '',
      description: "comma-separated origins whose pages may open the SSE stream (CORS); pnpm stack and compose default it to the gateway's",
    }),
    HEARTBEAT_INTERVAL: Type.String({ default: '15s', description: 'WebSocket ping and SSE comment period' }),
    TOKEN_RECHECK_INTERVAL: Type.String({ default: '1m', description: "how often open clients' tokens are checked again (a deleted user's are closed)" }),
    CLIENT_BUFFER_BYTES: Type.Integer({ minimum: 1024, default: 1024 * 1024, description: 'bytes queued for one client before it is closed as too slow' }),
  },
  (env) => ({
    jwtSecret: env.JWT_SECRET,
    webOrigins: env.WEB_ORIGIN.split(',')
      .map((origin) => origin.trim().replace(/\/+$/, ''))
      .filter(Boolean),
    heartbeatMs: namedDuration('HEARTBEAT_INTERVAL', env.HEARTBEAT_INTERVAL),
    clientBufferBytes: env.CLIENT_BUFFER_BYTES,
    tokenRecheckMs: namedDuration('TOKEN_RECHECK_INTERVAL', env.TOKEN_RECHECK_INTERVAL),
  }),
);

function namedDuration(name: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new Error(`${name} is invalid: ${(err as Error).message}`);
  }
}

export const webhookCallSection = section(
  {
    WEBHOOK_TIMEOUT: Type.String({ default: '10s', description: 'a webhook call without an answer by then failed' }),
    WEBHOOK_RETRY_DELAYS: Type.String({ default: '1m,4m,10m,15m,30m,1h,2h,4h,8h,8h', description: 'waits between attempts of a failed call (24 h in all by default)' }),
  },
  (env) => ({
    timeoutMs: namedDuration('WEBHOOK_TIMEOUT', env.WEBHOOK_TIMEOUT),
    retryDelaysMs: env.WEBHOOK_RETRY_DELAYS.split(',').map((d) => namedDuration('WEBHOOK_RETRY_DELAYS', d)),
  }),
);

export const notifierConfigSections = {
  http: httpSection(3001),
  database: databaseSection,
  redis: redisSection,
  logging: loggingSection,
  /** Decrypts webhook signing secrets. */
  secrets: secretsSection,
  notifier: notifierSection,
  webhookAddresses: webhookAddressSection,
  webhookCalls: webhookCallSection,
  /** Read only to log at start whether the platform is a sandbox. */
  providers: providerUrlsSection,
};

export type NotifierConfig = ConfigOf<typeof notifierConfigSections>;
