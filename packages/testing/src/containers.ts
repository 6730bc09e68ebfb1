/**
 * Tests read DATABASE_URL and REDIS_URL. With neither set (a laptop with Docker and no
 * local services) they start throwaway containers with testcontainers instead.
 */
export async function startContainersIfNeeded(): Promise<{
  databaseUrl: string;
  redisUrl: string;
  stop: () => Promise<void>;
}> {
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (databaseUrl && redisUrl) return { databaseUrl, redisUrl, stop: async () => undefined };
  if (databaseUrl || redisUrl) {
    throw new Error('set both DATABASE_URL and REDIS_URL, or neither (to start containers)');
  }
  const [{ PostgreSqlContainer }, { RedisContainer }] = await Promise.all([
    import('@testcontainers/postgresql'),
    import('@testcontainers/redis'),
  ]);
  const [postgres, redis] = await Promise.all([
    new PostgreSqlContainer('postgres:16-alpine').start(),
    new RedisContainer('redis:7-alpine').withCommand(['redis-server', '--maxmemory-policy', 'noeviction']).start(),
  ]);
  return {
    databaseUrl: postgres.getConnectionUri(),
    redisUrl: redis.getConnectionUrl(),
    stop: async () => {
      await Promise.all([postgres.stop(), redis.stop()]);
    },
  };
}
