import { parseConfig, retrySection, schedulingSection } from '@autoposter/config';
import { createEngine, type Engine, type EngineSettings } from '@autoposter/engine';
import { createRedisConnection } from '@autoposter/queue';
import type { BenchDatabase, BenchRedis } from './bench-env.ts';

export const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Engine settings as the services configure them by default, with `overrides` on top. */
export function defaultEngineSettings(overrides: Partial<EngineSettings> = {}): EngineSettings {
  const config = parseConfig({ retry: retrySection, scheduling: schedulingSection }, {});
  return { maxAttempts: config.retry.maxAttempts, ...config.scheduling, ...overrides };
}

export interface BenchEngine {
  engine: Engine;
  close(): Promise<void>;
}

/** The posting engine on the run's database and Redis prefix, with its own producer connection. */
export function createBenchEngine(database: BenchDatabase, redis: BenchRedis, settings = defaultEngineSettings()): BenchEngine {
  const producer = createRedisConnection(redis.url, 'producer');
  const engine = createEngine({ db: database.db, redis: producer, prefix: redis.prefix, logger: silentLogger, settings });
  return {
    engine,
    async close() {
      await engine.close();
      producer.disconnect();
    },
  };
}
