import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Registry, collectDefaultMetrics, Histogram } from 'prom-client';

export type ReadinessCheck = () => Promise<boolean>;

export interface OpsOptions {
  service: string;
  /** Named dependencies that must answer for /readyz to be 200 (postgres, redis...). */
  readiness: Record<string, ReadinessCheck>;
  /** A check that has not answered by then counts as unreachable (default 2 s). */
  readinessTimeoutMs?: number;
  registry?: Registry;
}

const DEFAULT_READINESS_TIMEOUT_MS = 2_000;

/**
 * False when the check fails or has not answered within `timeoutMs`: a client whose connection
 * hangs (a Redis command queued while it reconnects) must not hold the probe until it returns.
 */
async function answersWithin(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([check().catch(() => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

const statusBody = {
  type: 'object',
  properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } },
} as const;
// Kept out of OpenAPI documents (`hide`): they are for orchestrators and Prometheus, the same on
// every service, and documented in the README, not operations a generated client should call.
const opsRoute = { tags: ['ops'], security: [], hide: true };
const healthSchema = { ...opsRoute, response: { 200: statusBody } };
const readySchema = { ...opsRoute, response: { 200: statusBody, 503: statusBody } };
const metricsSchema = { ...opsRoute, produces: ['text/plain'], response: { 200: { type: 'string' } } };

/** /healthz, /readyz and /metrics (Prometheus text with HTTP latency histograms) for any service. */
const opsPlugin: FastifyPluginAsync<OpsOptions> = async (app: FastifyInstance, options) => {
  const registry = options.registry ?? new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (!options.registry) collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.decorate('metrics', registry);
  const timeoutMs = options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/healthz', { schema: healthSchema, logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: readySchema, logLevel: 'warn' }, async (_request, reply) => {
    const entries = await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => [name, await answersWithin(check, timeoutMs)] as const),
    );
    const checks = Object.fromEntries(entries.map(([name, ok]) => [name, ok ? 'ok' : 'unreachable']));
    const ready = entries.every(([, ok]) => ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });

  app.get('/metrics', { schema: metricsSchema, logLevel: 'warn' }, async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};

export const ops = fp(opsPlugin, { name: 'ops', fastify: '5.x' });
