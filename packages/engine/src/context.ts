import type { Redis } from 'ioredis';
import type { Logger } from '@autoposter/logger';
import type { Db } from '@autoposter/db';
import type { PublishQueues } from './publish-queues.ts';

/** The few logger methods the engine uses (a pino logger or a Fastify request/app logger). */
export type EngineLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/** What every use case needs; built once by createEngine. */
export interface EngineContext {
  db: Db;
  /** Producer connection (fails fast): queue adds and event appends. */
  redis: Redis;
  prefix: string;
  queues: PublishQueues;
  logger: EngineLogger;
  now: () => Date;
  settings: EngineSettings;
}

export interface EngineSettings {
  maxAttempts: number;
  /** Deliveries due within this go to Redis as delayed jobs; later ones wait in Postgres. */
  horizonMs: number;
  dispatchIntervalMs: number;
  retentionDays: number;
}
