export * from './test-database.ts';
export * from './test-redis.ts';
export { withDatabase } from './global-setup.ts';
export * from './fixtures.ts';
