import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Database, Db } from '@autoposter/db';
import type { NotifierConfig } from '../config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    notifierConfig: NotifierConfig;
    db: Db;
    /** Commands (replay reads, readiness); the follower has a connection of its own. */
    redis: Redis;
  }
}

export interface NotifierServices {
  config: NotifierConfig;
  database: Database;
  redis: Redis;
}

export const services = fp(
  async (app: FastifyInstance, deps: NotifierServices) => {
    app.decorate('notifierConfig', deps.config);
    app.decorate('db', deps.database.db);
    app.decorate('redis', deps.redis);
  },
  { name: 'services' },
);
