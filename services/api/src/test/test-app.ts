import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { parseConfig } from '@autoposter/config';
import { createLogger } from '@autoposter/logger';
import { createRedisConnection } from '@autoposter/queue';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@autoposter/testing';
import { buildApp } from '../app.ts';
import { apiConfigSections, type ApiConfig } from '../config.ts';

export const testKey = () => randomBytes(32).toString('base64');

/** Environment for a gateway under test; `overrides` wins. */
export function testEnv(db: TestDatabase, redis: TestRedis, overrides: Record<string, string> = {}) {
  return {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    JWT_SECRET: randomBytes(32).toString('hex'),
    SECRETS_KEYS: `v1=${testKey()}`,
    MEDIA_URL_SECRET: randomBytes(16).toString('hex'),
    MEDIA_DIR: mkdtempSync(join(tmpdir(), 'autoposter-media-')),
    LOG_LEVEL: 'info',
    LOGIN_RATE_LIMIT: '1000',
    // Nothing listens there: Meta tokens given at connect time are saved unchecked, at once. Tests of the checks start a fake Graph API.
    GRAPH_API_BASE_URL: 'http://127.0.0.1:1',
    INSTAGRAM_GRAPH_BASE_URL: 'http://127.0.0.1:1',
    ...overrides,
  };
}

export interface TestApi {
  app: FastifyInstance;
  config: ApiConfig;
  db: TestDatabase;
  redis: TestRedis;
  /** Every JSON log line the app wrote. */
  logs: string[];
  /** Registers a user and returns its token (the first one registered is admin). */
  register(email?: string, password?: string): Promise<{ token: string; user: { id: string; email: string; role: string } }>;
  auth(token: string): { authorization: string };
  close(): Promise<void>;
}

export async function createTestApi(overrides: Record<string, string> = {}): Promise<TestApi> {
  const db = await createTestDatabase();
  const redis = await createTestRedis();
  const config = parseConfig(apiConfigSections, testEnv(db, redis, overrides));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ service: 'api', level: config.logging.level, destination: sink });
  const producer = createRedisConnection(redis.url, 'producer');
  const app = await buildApp({ config, database: db, redis: producer, logger });
  await app.ready();

  let counter = 0;
  return {
    app,
    config,
    db,
    redis,
    logs,
    async register(email, password = 'correct horse battery staple') {
      const address = email ?? `user${++counter}-${randomBytes(3).toString('hex')}@example.test`;
      const response = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: address, password } });
      if (response.statusCode !== 201) throw new Error(`register failed: ${response.statusCode} ${response.body}`);
      return response.json();
    },
    auth: (token) => ({ authorization: `Bearer ${token}` }),
    async close() {
      await app.close();
      producer.disconnect();
      await redis.destroy();
      await db.destroy();
    },
  };
}
