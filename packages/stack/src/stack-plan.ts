import { resolve } from 'node:path';

export interface StackService {
  name: string;
  command: string;
  /** Where its /healthz and /readyz answer. */
  url: string;
  /** Answers 200 once it can work: /readyz for our services; any answer for a fake. */
  readyPath: string;
  env: Record<string, string>;
}

export interface StackPlan {
  sandbox: boolean;
  services: StackService[];
  /** Variables every service gets on top of the environment. */
  sharedEnv: Record<string, string>;
  urls: { api: string; notifier: string; fakeGraph: string | null; fakeFacebook: string | null };
}

type Env = Record<string, string | undefined>;

const port = (env: Env, name: string, fallback: number) => Number(env[name] || fallback);
const isFalse = (value: string | undefined) => /^(false|0|no|off)$/i.test(value?.trim() ?? '');

/**
 * Which processes `pnpm stack` runs and how they find each other. `SANDBOX` (true unless set
 * to false) adds the two fakes and points every provider URL not set explicitly at them, so
 * nothing started this way can publish for real by accident.
 */
export function stackPlan(env: Env, root: string): StackPlan {
  const host = env.STACK_HOST || '127.0.0.1';
  const url = (p: number) => `http://${host}:${p}`;
  const sandbox = !isFalse(env.SANDBOX);
  const ports = {
    api: port(env, 'API_PORT', 3000),
    notifier: port(env, 'NOTIFIER_PORT', 3001),
    metaWorker: port(env, 'META_WORKER_PORT', 3100),
    marketplaceWorker: port(env, 'MARKETPLACE_WORKER_PORT', 3101),
    fakeGraph: port(env, 'FAKE_GRAPH_PORT', 4100),
    fakeFacebook: port(env, 'FAKE_FACEBOOK_PORT', 3400),
  };
  const fakeGraph = sandbox ? url(ports.fakeGraph) : null;
  const fakeFacebook = sandbox ? url(ports.fakeFacebook) : null;

  // The gateway serves the dashboard, at the address printed at start or at localhost as the
  // README opens it: pages from there may read the notifier's SSE stream (CORS).
  const gatewayOrigins = [...new Set([url(ports.api), `http://localhost:${ports.api}`])].join(',');
  const sharedEnv: Record<string, string> = {
    HOST: host,
    // One absolute directory: every service reads and writes the same uploads.
    MEDIA_DIR: resolve(root, env.MEDIA_DIR || 'storage/media'),
    PUBLIC_BASE_URL: env.PUBLIC_BASE_URL || url(ports.api),
    NOTIFIER_PUBLIC_URL: env.NOTIFIER_PUBLIC_URL || url(ports.notifier),
    WEB_ORIGIN: env.WEB_ORIGIN || gatewayOrigins,
  };
  if (fakeGraph && fakeFacebook) {
    sharedEnv.GRAPH_API_BASE_URL = env.GRAPH_API_BASE_URL || fakeGraph;
    sharedEnv.INSTAGRAM_GRAPH_BASE_URL = env.INSTAGRAM_GRAPH_BASE_URL || `${fakeGraph}/instagram`;
    sharedEnv.FACEBOOK_BASE_URL = env.FACEBOOK_BASE_URL || fakeFacebook;
    sharedEnv.WEBHOOK_ALLOW_PRIVATE = env.WEBHOOK_ALLOW_PRIVATE || 'true';
  }

  const service = (name: string, dir: string, p: number, readyPath = '/readyz'): StackService => ({
    name,
    command: `pnpm --silent --filter ./${dir} start`,
    url: url(p),
    readyPath,
    env: { PORT: String(p) },
  });
  const services = [
    service('api', 'services/api', ports.api),
    service('notifier', 'services/notifier', ports.notifier),
    service('meta-worker', 'services/meta-worker', ports.metaWorker),
    service('marketplace-worker', 'services/marketplace-worker', ports.marketplaceWorker),
  ];
  if (sandbox) {
    services.push(
      service('fake-graph', 'packages/fake-graph', ports.fakeGraph, '/_control/state'),
      service('fake-facebook', 'packages/fake-facebook', ports.fakeFacebook, '/__control/requests'),
    );
  }
  return { sandbox, services, sharedEnv, urls: { api: url(ports.api), notifier: url(ports.notifier), fakeGraph, fakeFacebook } };
}

/** True when the service answers its ready path (see `readyPath`) with a 2xx within 2 s. */
export const answersReady = (service: StackService): Promise<boolean> =>
  fetch(`${service.url}${service.readyPath}`, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.ok,
    () => false,
  );
