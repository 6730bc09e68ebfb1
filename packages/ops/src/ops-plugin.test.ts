import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ops } from './ops-plugin.ts';

const readyzOf = async (readiness: Parameters<typeof ops>[1]['readiness'], readinessTimeoutMs?: number) => {
  const app = Fastify();
  await app.register(ops, { service: 'test', readiness, readinessTimeoutMs });
  const started = Date.now();
  const answer = await app.inject({ method: 'GET', url: '/readyz' });
  await app.close();
  return { status: answer.statusCode, body: answer.json(), ms: Date.now() - started };
};

describe('/readyz', () => {
  it('is 200 when every dependency answers, 503 naming the one that fails', async () => {
    expect(await readyzOf({ postgres: async () => true, redis: async () => true })).toMatchObject({ status: 200, body: { status: 'ready' } });
    const failing = await readyzOf({ postgres: async () => true, redis: () => Promise.reject(new Error('ECONNREFUSED')) });
    expect(failing).toMatchObject({ status: 503, body: { status: 'not_ready', checks: { postgres: 'ok', redis: 'unreachable' } } });
  });

  it('answers 503 in bounded time when a dependency never answers', async () => {
    const hung = await readyzOf({ postgres: async () => true, redis: () => new Promise<boolean>(() => undefined) }, 300);
    expect(hung).toMatchObject({ status: 503, body: { checks: { postgres: 'ok', redis: 'unreachable' } } });
    expect(hung.ms).toBeLessThan(2_000);
  });
});
