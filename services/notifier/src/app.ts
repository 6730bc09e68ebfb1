import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyCors from '@fastify/cors';
import fastifyWebsocket from '@fastify/websocket';
import type { Redis } from 'ioredis';
import { isDatabaseReachable } from '@autoposter/db';
import { ops, redisReadiness } from '@autoposter/ops';
import { accessTokenVerifier } from './plugins/access-token.ts';
import { authenticate } from './plugins/authenticate.ts';
import { errorHandler } from './plugins/errors.ts';
import { fanout } from './plugins/fanout.ts';
import { TokenlessLogController } from './plugins/request-log.ts';
import { services, type NotifierServices } from './plugins/services.ts';
import { tokenRecheck } from './plugins/token-recheck.ts';
import { webhookCalls } from './plugins/webhook-calls.ts';
import { statusStreamRoutes } from './routes/status-stream.ts';
import { wsRoutes } from './routes/ws.ts';

export interface BuildNotifierOptions extends NotifierServices {
  /**
   * A connection that waits for Redis forever (`maxRetriesPerRequest: null`): BullMQ's worker
   * uses it, and each stream follower a duplicate of its own (XREAD BLOCK holds one). Not closed here.
   */
  workerRedis: Redis;
  logger: FastifyServerOptions['loggerInstance'];
}

/** The notifier as a plugin tree; starting and stopping it is main.ts's job. */
export async function buildNotifier(options: BuildNotifierOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    loggerInstance: options.logger,
    // Fastify's own request lines carry the raw URL, token included.
    logController: new TokenlessLogController(),
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(services, options);
  await app.register(errorHandler);
  await app.register(ops, {
    service: 'notifier',
    readiness: { postgres: () => isDatabaseReachable(options.database.pool), redis: redisReadiness(options.redis) },
  });
  await app.register(fastifyCors, {
    origin: config.notifier.webOrigins.length > 0 ? config.notifier.webOrigins : false,
    methods: ['GET'],
    allowedHeaders: ['Authorization', 'Last-Event-ID'],
    maxAge: 600,
  });
  await app.register(fanout, {
    followerRedis: options.workerRedis.duplicate(),
    prefix: config.redis.prefix,
    limits: { maxBufferedBytes: config.notifier.clientBufferBytes, heartbeatMs: config.notifier.heartbeatMs },
  });
  // Sockets are closed with 1001 by the fanout plugin; the default would close them without a code.
  await app.register(fastifyWebsocket, { preClose: (done) => done(), options: { maxPayload: 4096 } });
  await app.register(webhookCalls, { database: options.database, workerRedis: options.workerRedis });
  const verify = accessTokenVerifier(config.notifier.jwtSecret, options.database.db);
  await app.register(authenticate, { verify });
  await app.register(tokenRecheck, { verify, intervalMs: config.notifier.tokenRecheckMs });
  await app.register(wsRoutes);
  await app.register(statusStreamRoutes);
  return app as unknown as FastifyInstance;
}
