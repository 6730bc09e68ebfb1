export * from './stack-plan.ts';
