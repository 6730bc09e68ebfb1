import { fileURLToPath } from 'node:url';
import Type from 'typebox';
import {
  databaseSection,
  httpSection,
  loggingSection,
  mediaSection,
  pacingSection,
  redisSection,
  retrySection,
  schedulingSection,
  secretsSection,
  section,
  parseDuration,
  type ConfigOf,
} from '@autoposter/config';

export const authSection = section(
  {
    JWT_SECRET: Type.String({ minLength: 32, description: 'at least 32 characters' }),
    JWT_TTL: Type.String({ default: '7d', description: 'token lifetime, e.g. 12h or 7d' }),
    ADMIN_EMAILS: Type.String({ default: '', description: 'comma-separated emails that get the admin role' }),
    LOGIN_RATE_LIMIT: Type.Integer({ minimum: 1, default: 10, description: 'login attempts per minute per IP' }),
  },
  (env) => ({
    jwtSecret: env.JWT_SECRET,
    jwtTtlSeconds: Math.floor(parseDuration(env.JWT_TTL) / 1000),
    adminEmails: new Set(
      env.ADMIN_EMAILS.split(',')
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    ),
    loginRateLimitPerMinute: env.LOGIN_RATE_LIMIT,
  }),
);

export const notifierLinkSection = section(
  {
    NOTIFIER_PUBLIC_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:3001', description: 'where clients reach the notifier' }),
  },
  (env) => ({ publicUrl: env.NOTIFIER_PUBLIC_URL.replace(/\/+$/, '') }),
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
  dashboard: dashboardSection,
};

export type ApiConfig = ConfigOf<typeof apiConfigSections>;
