export * from './job-view.ts';
export * from './errors.ts';
export * from './engine.ts';
export type { EngineSettings } from './context.ts';
export type { StartedRun } from './post-actions.ts';
export type { DispatchResult } from './dispatch-pass.ts';
