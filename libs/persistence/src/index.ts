export * from './database-config';
export * from './pglite-pool';
