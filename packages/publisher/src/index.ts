export * from './errors.ts';
export * from './publisher.ts';
