export * from './load-config.ts';
export * from './sections.ts';
export * from './repository-root.ts';
export * from './providers.ts';
