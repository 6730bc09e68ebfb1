export * from './stack-plan.ts';
export * from './sandbox-accounts.ts';
