export * from './postgres/test-database';
export * from './wait/wait-for';
export * from './kafka/test-kafka';
export * from './mock-upstream/mock-upstream';
export * from './mock-upstream/json-schema-check';
export * from './fixtures/usage-event';
export * from './kafka/secure-test-kafka';
