import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { ClientRegistry, FanoutHub, fanoutMetrics, StreamFollower, type ClientLimits, type FanoutMetrics } from '@autoposter/event-fanout';

declare module 'fastify' {
  interface FastifyInstance {
    fanout: { hub: FanoutHub; clients: ClientRegistry; metrics: FanoutMetrics; limits: ClientLimits };
  }
}

export interface FanoutOptions {
  /** A connection for the follower alone; closed when it stops. */
  followerRedis: Redis;
  prefix: string;
  limits: ClientLimits;
}

/**
 * The process's one stream follower feeding the hub, and its clients. The follower starts
 * before the server listens, so a client never joins before it; on close every WebSocket gets
 * 1001 and every SSE stream ends.
 */
export const fanout = fp(
  async (app: FastifyInstance, options: FanoutOptions) => {
    const hub = new FanoutHub((err) => app.log.error({ err }, 'sending an event to a client failed'));
    const clients = new ClientRegistry(options.limits.heartbeatMs);
    const metrics = fanoutMetrics(app.metrics);
    const follower = new StreamFollower({
      redis: options.followerRedis,
      prefix: options.prefix,
      logger: app.log,
      onEvents: (events) => hub.publish(events),
    });
    await follower.start();
    app.decorate('fanout', { hub, clients, metrics, limits: options.limits });
    app.addHook('preClose', async () => clients.shutdown());
    app.addHook('onClose', async () => follower.stop());
  },
  { name: 'fanout', dependencies: ['ops'] },
);
