export * from './database-config';
export * from './pglite-pool';
export * from './outbox/transactional-outbox';
