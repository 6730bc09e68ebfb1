export * from './tokens.ts';
export * from './verifier.ts';
