export * from './stream-ids.ts';
export * from './fanout-hub.ts';
export * from './stream-follower.ts';
export * from './replay.ts';
export * from './subscription.ts';
export * from './metrics.ts';
export * from './clients.ts';
