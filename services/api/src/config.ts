import { fileURLToPath } from 'node:url';
import Type from 'typebox';
import {
  authSection,
  databaseSection,
  graphSection,
  httpSection,
  loggingSection,
  mediaSection,
  pacingSection,
  redisSection,
  retrySection,
  schedulingSection,
  secretsSection,
  webhookAddressSection,
  facebookSiteSection,
  parseDuration,
  section,
  type ConfigOf,
} from '@autoposter/config';

export const notifierLinkSection = section(
  {
    NOTIFIER_PUBLIC_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:3001', description: 'where clients reach the notifier' }),
  },
  (env) => ({ publicUrl: env.NOTIFIER_PUBLIC_URL.replace(/\/+$/, '') }),
);

export const sessionCheckSection = section(
  {
    SESSION_CHECK_TIMEOUT: Type.String({ default: '120s', description: 'how long validate-session waits for the worker that checks a browser session' }),
  },
  (env) => ({ timeoutMs: parseDuration(env.SESSION_CHECK_TIMEOUT) }),
);

export const dashboardSection = section(
  {
    WEB_DIST_DIR: Type.String({ default: '', description: 'the built dashboard (services/web/dist) served at /; empty: the one in this checkout' }),
  },
  (env) => ({ distDir: env.WEB_DIST_DIR || fileURLToPath(new URL('../../web/dist', import.meta.url)) }),
);

export const apiConfigSections = {
  http: httpSection(3000),
  database: databaseSection,
  redis: redisSection,
  logging: loggingSection,
  secrets: secretsSection,
  auth: authSection,
  media: mediaSection,
  pacing: pacingSection,
  retry: retrySection,
  scheduling: schedulingSection,
  notifier: notifierLinkSection,
  graph: graphSection,
  facebook: facebookSiteSection,
  webhookAddresses: webhookAddressSection,
  sessionCheck: sessionCheckSection,
  dashboard: dashboardSection,
};

export type ApiConfig = ConfigOf<typeof apiConfigSections>;
