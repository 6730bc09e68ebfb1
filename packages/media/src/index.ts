export * from './sniff.ts';
export * from './errors.ts';
export * from './storage.ts';
export * from './signed-url.ts';
export * from './rendition.ts';
