export * from './load-config.ts';
export * from './sections.ts';
