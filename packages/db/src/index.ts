export * from './client.ts';
export * from './ids.ts';
export * from './migrate.ts';
export * from './statuses.ts';
export * as schema from './schema.ts';
