import Type from 'typebox';
import {
  databaseSection,
  httpSection,
  loggingSection,
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

export const mediaSection = section(
  {
    MEDIA_DIR: Type.String({ default: './storage/media', description: 'where uploads are stored' }),
    MEDIA_MAX_IMAGE_BYTES: Type.Integer({ minimum: 1, default: 10 * 1024 * 1024 }),
    MEDIA_MAX_VIDEO_BYTES: Type.Integer({ minimum: 1, default: 200 * 1024 * 1024 }),
    PUBLIC_BASE_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:3000', description: 'how providers reach this gateway' }),
    MEDIA_URL_SECRET: Type.String({ minLength: 16, description: 'signs public media URLs' }),
    MEDIA_URL_TTL: Type.String({ default: '1h' }),
  },
  (env) => ({
    dir: env.MEDIA_DIR,
    maxImageBytes: env.MEDIA_MAX_IMAGE_BYTES,
    maxVideoBytes: env.MEDIA_MAX_VIDEO_BYTES,
    publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    urlSecret: env.MEDIA_URL_SECRET,
    urlTtlSeconds: Math.floor(parseDuration(env.MEDIA_URL_TTL) / 1000),
  }),
);

export const notifierLinkSection = section(
  {
    NOTIFIER_PUBLIC_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:3001', description: 'where clients reach the notifier' }),
  },
  (env) => ({ publicUrl: env.NOTIFIER_PUBLIC_URL.replace(/\/+$/, '') }),
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
};

export type ApiConfig = ConfigOf<typeof apiConfigSections>;
