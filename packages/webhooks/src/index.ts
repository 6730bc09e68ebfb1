export * from './address-policy.ts';
export * from './signature.ts';
export * from './webhook-events.ts';
export * from './webhook-sender.ts';
export * from './webhook-producer.ts';
export * from './webhook-worker.ts';
