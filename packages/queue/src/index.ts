export * from './catalog.ts';
export * from './connection.ts';
export * from './event-stream.ts';
