import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Database, Db } from '@autoposter/db';
import type { ApiConfig } from '../config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: ApiConfig;
    db: Db;
    database: Database;
    /** Producer connection: fails fast instead of hanging a request. */
    redis: Redis;
  }
}

export interface ApiServices {
  config: ApiConfig;
  database: Database;
  redis: Redis;
}

/** Makes the gateway's dependencies available to every plugin as decorators. */
export const services = fp(
  async (app: FastifyInstance, deps: ApiServices) => {
    app.decorate('config', deps.config);
    app.decorate('database', deps.database);
    app.decorate('db', deps.database.db);
    app.decorate('redis', deps.redis);
  },
  { name: 'services' },
);
