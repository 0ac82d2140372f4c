export * from './incoming.ts';
export * from './service-events.ts';
