export * from './event-bus.port';
export * from './retry';
export * from './contract-decoder';
export * from './in-process/in-process-event-bus';
export * from './kafka/kafka-event-bus';
export * from './kafka/spill-file';
export * from './nest/event-bus.transport';
export * from './nest/event-bus.module';
