export * from './job-view.ts';
