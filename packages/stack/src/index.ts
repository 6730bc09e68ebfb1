export * from './stack-plan.ts';
export * from './harness.ts';
export * from './private-redis.ts';
export * from './free-port.ts';
export * from './sandbox-accounts.ts';
