export * from './test-database.ts';
export * from './test-redis.ts';
export { withDatabase } from './global-setup.ts';
export * from './fixtures.ts';
export * from './fake-provider.ts';
export * from './test-publisher.ts';
export * from './enqueue-delivery.ts';
export * from './worker-config.ts';
export * from './worker-child.ts';
