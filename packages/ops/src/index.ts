export * from './ops-plugin.ts';
export * from './shutdown.ts';
export * from './redis-ready.ts';
export * from './provider-mode.ts';
