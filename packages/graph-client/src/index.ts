export * from './graph-client.ts';
export * from './usage.ts';
export * from './classification.ts';
export * from './publish-error.ts';
