import Type from 'typebox';
import { section } from './load-config.ts';
import { fromRepositoryRoot } from './repository-root.ts';

const duration = /^(\d+)(ms|s|m|h|d)$/;
const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s" -> 90000. Throws a message naming the bad value. */
export function parseDuration(value: string): number {
  const match = duration.exec(value.trim());
  if (!match) throw new Error(`"${value}" is not a duration like 500ms, 90s, 5m, 2h`);
  return Number(match[1]) * unitMs[match[2] as string]!;
}

export const httpSection = (defaultPort: number) =>
  section(
    {
      PORT: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort }),
      HOST: Type.String({ default: '0.0.0.0' }),
      SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 25_000, description: 'time given to in-flight work on SIGTERM' }),
    },
    (env) => ({ port: env.PORT, host: env.HOST, shutdownGraceMs: env.SHUTDOWN_GRACE_MS }),
  );

export const databaseSection = section(
  {
    DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', description: 'postgres://user@host:5432/db' }),
    DATABASE_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  },
  (env) => ({ url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX }),
);

export const redisSection = section(
  {
    REDIS_URL: Type.String({ pattern: '^rediss?://', description: 'redis://host:6379' }),
    QUEUE_PREFIX: Type.String({ default: '{autoposter}', pattern: '^\\S+$', description: 'BullMQ key prefix; keep the {hash tag} for Redis Cluster' }),
  },
  (env) => ({ url: env.REDIS_URL, prefix: env.QUEUE_PREFIX }),
);

export const loggingSection = section(
  {
    LOG_LEVEL: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  },
  (env) => ({ level: env.LOG_LEVEL as string }),
);

export const secretsSection = section(
  {
    SECRETS_KEYS: Type.String({
      description: 'comma-separated version=base64(32 bytes) pairs, e.g. v1=...; the last one encrypts',
    }),
  },
  (env) => ({ keys: parseKeyring(env.SECRETS_KEYS) }),
);

export function parseKeyring(value: string): { version: string; key: Buffer }[] {
  const keys = value.split(',').map((pair) => {
    const [version, encoded] = pair.trim().split('=', 2).map((s) => s?.trim());
    if (!version || !encoded || !/^[a-z0-9]+$/i.test(version)) {
      throw new Error('SECRETS_KEYS is invalid: expected version=base64key pairs separated by commas');
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) throw new Error(`SECRETS_KEYS is invalid: key ${version} must decode to 32 bytes`);
    return { version, key };
  });
  return keys;
}

/** The keys as SECRETS_KEYS writes them, for a process started with them (parseKeyring's inverse). */
export const formatKeyring = (keys: readonly { version: string; key: Buffer }[]): string => keys.map(({ version, key }) => `${version}=${key.toString('base64')}`).join(',');

export const pacingSection = section(
  {
    DEFAULT_DAILY_CAP: Type.Integer({ minimum: 1, default: 20 }),
    DEFAULT_MIN_GAP_SECONDS: Type.Integer({ minimum: 0, default: 120 }),
    DEFAULT_POSTING_HOURS: Type.String({ default: 'none', description: 'HH:MM-HH:MM, or none for any hour' }),
    DEFAULT_TIMEZONE: Type.String({ default: 'UTC' }),
    DEFAULT_BROWSER_DAILY_CAP: Type.Integer({ minimum: 1, default: 10, description: 'daily cap of facebook_browser accounts that set none (instead of DEFAULT_DAILY_CAP)' }),
    DEFAULT_BROWSER_MIN_GAP_SECONDS: Type.Integer({ minimum: 0, default: 600, description: 'minimum gap of facebook_browser accounts that set none (instead of DEFAULT_MIN_GAP_SECONDS)' }),
  },
  (env) => ({
    dailyCap: env.DEFAULT_DAILY_CAP,
    minGapSeconds: env.DEFAULT_MIN_GAP_SECONDS,
    postingHours: parsePostingHours(env.DEFAULT_POSTING_HOURS),
    timezone: checkTimezone(env.DEFAULT_TIMEZONE),
    // Browser accounts post through Facebook's own pages, where bursts look automated and a block costs a day.
    byKind: { facebook_browser: { dailyCap: env.DEFAULT_BROWSER_DAILY_CAP, minGapSeconds: env.DEFAULT_BROWSER_MIN_GAP_SECONDS } },
  }),
);

export function parsePostingHours(value: string): { from: string; to: string } | null {
  if (value === 'none') return null;
  const match = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!match) throw new Error(`DEFAULT_POSTING_HOURS is invalid: "${value}" is not HH:MM-HH:MM or none`);
  const [from, to] = value.split('-') as [string, string];
  return { from, to };
}

function checkTimezone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new Error(`DEFAULT_TIMEZONE is invalid: "${zone}" is not an IANA time zone`);
  }
  return zone;
}

export const retrySection = section(
  {
    RETRY_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 50, default: 5 }),
    RETRY_DELAYS: Type.String({ default: '2m,5m,15m,60m', description: 'waits between attempts; the last repeats' }),
  },
  (env) => ({
    maxAttempts: env.RETRY_MAX_ATTEMPTS,
    delaysMs: env.RETRY_DELAYS.split(',').map((d) => {
      try {
        return parseDuration(d);
      } catch (err) {
        throw new Error(`RETRY_DELAYS is invalid: ${(err as Error).message}`);
      }
    }),
  }),
);

export const schedulingSection = section(
  {
    DISPATCH_INTERVAL: Type.String({ default: '5s', description: 'how often the dispatch pass runs' }),
    DISPATCH_HORIZON: Type.String({ default: '15m', description: 'deliveries due within this go to Redis as delayed jobs' }),
    RETENTION_DAYS: Type.Integer({ minimum: 1, default: 90 }),
  },
  (env) => ({
    dispatchIntervalMs: parseNamedDuration('DISPATCH_INTERVAL', env.DISPATCH_INTERVAL),
    horizonMs: parseNamedDuration('DISPATCH_HORIZON', env.DISPATCH_HORIZON),
    retentionDays: env.RETENTION_DAYS,
  }),
);

export const workerSection = section(
  {
    WORKER_CONCURRENCY: Type.Integer({ minimum: 1, default: 4 }),
    JOB_LOCK_DURATION: Type.String({ default: '30s', description: 'BullMQ lock; a killed worker\'s job is taken over after it' }),
    STALLED_CHECK_INTERVAL: Type.String({ default: '30s' }),
    PUBLISH_TIMEOUT: Type.String({ default: '5m', description: 'an attempt running longer is aborted' }),
    WORKER_ID: Type.String({ default: '' }),
  },
  (env) => ({
    concurrency: env.WORKER_CONCURRENCY,
    lockDurationMs: parseNamedDuration('JOB_LOCK_DURATION', env.JOB_LOCK_DURATION),
    stalledIntervalMs: parseNamedDuration('STALLED_CHECK_INTERVAL', env.STALLED_CHECK_INTERVAL),
    publishTimeoutMs: parseNamedDuration('PUBLISH_TIMEOUT', env.PUBLISH_TIMEOUT),
    workerId: env.WORKER_ID || `${process.env.HOSTNAME ?? 'worker'}-${process.pid}`,
  }),
);

function parseNamedDuration(name: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new Error(`${name} is invalid: ${(err as Error).message}`);
  }
}

const mediaUrlVariables = {
  MEDIA_DIR: Type.String({
    default: './storage/media',
    minLength: 1,
    description: 'where uploads are stored; every service must see it; a relative path is read from the repository root',
  }),
  PUBLIC_BASE_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:3000', description: 'how providers reach the gateway' }),
  MEDIA_URL_SECRET: Type.String({ minLength: 16, description: 'signs public media URLs; the same for every service' }),
  MEDIA_URL_TTL: Type.String({ default: '1h' }),
};

const mediaUrls = (env: { MEDIA_DIR: string; PUBLIC_BASE_URL: string; MEDIA_URL_SECRET: string; MEDIA_URL_TTL: string }) => ({
  dir: fromRepositoryRoot(env.MEDIA_DIR),
  publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/+$/, ''),
  urlSecret: env.MEDIA_URL_SECRET,
  urlTtlSeconds: Math.floor(parseNamedDuration('MEDIA_URL_TTL', env.MEDIA_URL_TTL) / 1000),
});

/** Where media files live and how providers that fetch by URL reach them (gateway and workers). */
export const mediaUrlSection = section(mediaUrlVariables, mediaUrls);

/** The gateway's media settings: the above plus upload limits. */
export const mediaSection = section(
  {
    ...mediaUrlVariables,
    MEDIA_MAX_IMAGE_BYTES: Type.Integer({ minimum: 1, default: 10 * 1024 * 1024 }),
    MEDIA_MAX_VIDEO_BYTES: Type.Integer({ minimum: 1, default: 200 * 1024 * 1024 }),
  },
  (env) => ({ ...mediaUrls(env), maxImageBytes: env.MEDIA_MAX_IMAGE_BYTES, maxVideoBytes: env.MEDIA_MAX_VIDEO_BYTES }),
);

const tokenVariables = {
  JWT_SECRET: Type.String({ minLength: 32, description: 'at least 32 characters; the same for every service that checks tokens' }),
  ADMIN_EMAILS: Type.String({ default: '', description: 'comma-separated emails that get the admin role' }),
};

const tokenSettings = (env: { JWT_SECRET: string; ADMIN_EMAILS: string }) => ({
  jwtSecret: env.JWT_SECRET,
  adminEmails: new Set(
    env.ADMIN_EMAILS.split(',')
      .map((email) => email.trim().toLowerCase())
      .filter(Boolean),
  ) as ReadonlySet<string>,
});

/** What every service that checks access tokens needs (`@autoposter/auth`). */
export const tokenSection = section(tokenVariables, tokenSettings);

/** The gateway's, which also signs tokens and limits logins: the above plus lifetime and rate. */
export const authSection = section(
  {
    ...tokenVariables,
    JWT_TTL: Type.String({ default: '7d', description: 'token lifetime, e.g. 12h or 7d' }),
    LOGIN_RATE_LIMIT: Type.Integer({ minimum: 1, default: 10, description: 'login attempts per minute per IP' }),
  },
  (env) => ({
    ...tokenSettings(env),
    jwtTtlSeconds: Math.floor(parseNamedDuration('JWT_TTL', env.JWT_TTL) / 1000),
    loginRateLimitPerMinute: env.LOGIN_RATE_LIMIT,
  }),
);

/** Where the Graph API is (Meta, the fake, anyone's stand-in) and how it is called: gateway and Meta worker. */
export const graphSection = section(
  {
    GRAPH_API_BASE_URL: Type.String({ pattern: '^https?://', default: 'https://graph.facebook.com', description: 'Facebook Login Graph API, without version' }),
    INSTAGRAM_GRAPH_BASE_URL: Type.String({ pattern: '^https?://', default: 'https://graph.instagram.com', description: 'Instagram Login Graph API, without version' }),
    GRAPH_API_VERSION: Type.String({ pattern: '^v\\d+\\.\\d+$', default: 'v27.0', description: 'the Graph API version every call uses' }),
    GRAPH_API_TIMEOUT: Type.String({ default: '30s', description: 'timeout of one Graph API call' }),
    GRAPH_USAGE_SLOWDOWN: Type.Integer({ minimum: 1, maximum: 100, default: 90, description: 'usage percent above which an account is paced out' }),
  },
  (env) => ({
    graphBaseUrl: env.GRAPH_API_BASE_URL.replace(/\/+$/, ''),
    instagramBaseUrl: env.INSTAGRAM_GRAPH_BASE_URL.replace(/\/+$/, ''),
    version: env.GRAPH_API_VERSION,
    timeoutMs: parseNamedDuration('GRAPH_API_TIMEOUT', env.GRAPH_API_TIMEOUT),
    usageSlowdownPercent: env.GRAPH_USAGE_SLOWDOWN,
  }),
);

/** Which addresses webhooks may call (the gateway checks at registration, the notifier at each call). */
export const webhookAddressSection = section(
  {
    WEBHOOK_ALLOW_PRIVATE: Type.Boolean({ default: false, description: 'true lets webhooks call loopback and private addresses over http: tests and the sandbox only' }),
  },
  (env) => ({ allowPrivate: env.WEBHOOK_ALLOW_PRIVATE }),
);

/** Where Facebook's site is (or a stand-in such as the fake): the gateway reports it, the marketplace worker drives it. */
export const facebookSiteSection = section(
  {
    FACEBOOK_BASE_URL: Type.String({ pattern: '^https?://', default: 'https://www.facebook.com', description: 'Facebook, or a stand-in such as the fake' }),
  },
  (env) => ({ baseUrl: env.FACEBOOK_BASE_URL.replace(/\/+$/, '') }),
);
