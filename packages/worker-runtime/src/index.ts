export { createPublishWorker, type CreatePublishWorkerOptions, type PublishWorker } from './publish-worker.ts';
export type { PublishWorkerConfig } from './runtime.ts';
export type { JobResult } from './process-delivery.ts';
export { createPublishMetrics, type PublishMetrics } from './metrics.ts';
export { workerConfigSections, sessionSweepSection, publishWorkerConfig, type WorkerServiceConfig } from './config.ts';
export { createSessionCheckWorker, type SessionCheckWorker, type SessionCheckWorkerOptions } from './session-checks.ts';
export { runWorkerService, startWorkerService, type WorkerServiceOptions, type RunningWorkerService } from './worker-service.ts';
