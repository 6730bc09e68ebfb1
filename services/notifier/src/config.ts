import Type from 'typebox';
import { databaseSection, httpSection, loggingSection, parseDuration, redisSection, secretsSection, section, type ConfigOf } from '@autoposter/config';

export const notifierSection = section(
  {
    JWT_SECRET: Type.String({ minLength: 32, description: "the gateway's JWT_SECRET" }),
    WEB_ORIGIN: Type.String({ default: '', description: 'comma-separated origins whose pages may open the SSE stream (CORS)' }),
    HEARTBEAT_INTERVAL: Type.String({ default: '15s', description: 'WebSocket ping and SSE comment period' }),
    CLIENT_BUFFER_BYTES: Type.Integer({ minimum: 1024, default: 1024 * 1024, description: 'bytes queued for one client before it is closed as too slow' }),
  },
  (env) => ({
    jwtSecret: env.JWT_SECRET,
    webOrigins: env.WEB_ORIGIN.split(',')
      .map((origin) => origin.trim().replace(/\/+$/, ''))
      .filter(Boolean),
    heartbeatMs: parseHeartbeat(env.HEARTBEAT_INTERVAL),
    clientBufferBytes: env.CLIENT_BUFFER_BYTES,
  }),
);

function parseHeartbeat(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new Error(`HEARTBEAT_INTERVAL is invalid: ${(err as Error).message}`);
  }
}

export const notifierConfigSections = {
  http: httpSection(3001),
  database: databaseSection,
  redis: redisSection,
  logging: loggingSection,
  /** Decrypts webhook signing secrets. */
  secrets: secretsSection,
  notifier: notifierSection,
};

export type NotifierConfig = ConfigOf<typeof notifierConfigSections>;
