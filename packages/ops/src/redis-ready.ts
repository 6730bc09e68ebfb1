import type { Redis } from 'ioredis';

export const redisReadiness = (client: Redis) => async () => (await client.ping()) === 'PONG';
