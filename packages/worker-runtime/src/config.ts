import Type from 'typebox';
import {
  parseDuration,
  section,
  databaseSection,
  httpSection,
  loggingSection,
  mediaUrlSection,
  pacingSection,
  providerUrlsSection,
  redisSection,
  retrySection,
  secretsSection,
  workerSection,
  type ConfigOf,
} from '@autoposter/config';
import type { PublishWorkerConfig } from './runtime.ts';

/** Every variable a worker service reads (compose.yaml is checked against these). */
export const workerConfigSections = {
  http: httpSection(3100),
  database: databaseSection,
  redis: redisSection,
  logging: loggingSection,
  secrets: secretsSection,
  worker: workerSection,
  retry: retrySection,
  pacing: pacingSection,
  media: mediaUrlSection,
  /** Every provider URL, so the worker says at start whether the platform is a sandbox. */
  providers: providerUrlsSection,
};

/** The periodic real check of every account's session (workers that can check sessions). */
export const sessionSweepSection = section(
  {
    SESSION_SWEEP_INTERVAL: Type.String({ default: '6h', description: 'how often every account session is checked for real; 0 turns the sweep off' }),
  },
  (env) => ({ intervalMs: env.SESSION_SWEEP_INTERVAL.trim() === '0' ? 0 : parseDuration(env.SESSION_SWEEP_INTERVAL) }),
);

export type WorkerServiceConfig = ConfigOf<typeof workerConfigSections>;

/** Time kept back from SHUTDOWN_GRACE_MS to hand attempts back before the process must exit. */
const RELEASE_RESERVE_MS = 5_000;

export function publishWorkerConfig(config: WorkerServiceConfig): PublishWorkerConfig {
  const { http, worker, retry, pacing, media } = config;
  return {
    concurrency: worker.concurrency,
    lockDurationMs: worker.lockDurationMs,
    stalledIntervalMs: worker.stalledIntervalMs,
    publishTimeoutMs: worker.publishTimeoutMs,
    shutdownGraceMs: Math.max(0, http.shutdownGraceMs - Math.min(RELEASE_RESERVE_MS, http.shutdownGraceMs / 5)),
    retry,
    pacing,
    media,
  };
}
