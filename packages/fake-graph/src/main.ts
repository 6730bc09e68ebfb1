import Type from 'typebox';
import { httpSection, loadConfig, section } from '@autoposter/config';
import { startFakeGraph } from './index.ts';

/** `pnpm fake:graph`: the fake Graph API as a process, for the sandbox and benchmarks. */
const config = loadConfig({
  http: httpSection(4100),
  fake: section(
    {
      FAKE_GRAPH_CONTAINER_DELAY: Type.Integer({ minimum: 0, default: 1000, description: 'ms an Instagram container stays IN_PROGRESS' }),
      FAKE_GRAPH_QUOTA_TOTAL: Type.Integer({ minimum: 0, default: 100, description: 'Instagram publishing quota per 24 h' }),
      FAKE_GRAPH_LATENCY: Type.Integer({ minimum: 0, default: 0, description: 'ms added to every answer' }),
    },
    (env) => ({ containerDelayMs: env.FAKE_GRAPH_CONTAINER_DELAY, quotaTotal: env.FAKE_GRAPH_QUOTA_TOTAL, latencyMs: env.FAKE_GRAPH_LATENCY }),
  ),
});

const graph = await startFakeGraph({ port: config.http.port, host: config.http.host, settings: config.fake, logger: true });
console.log(`fake Graph API: GRAPH_API_BASE_URL=${graph.url} INSTAGRAM_GRAPH_BASE_URL=${graph.instagramUrl}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void graph.close().then(() => process.exit(0)));
