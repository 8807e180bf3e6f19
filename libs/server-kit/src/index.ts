export * from './admin-api.exception';
export * from './admin-exception.filter';
export * from './admin-validation.pipe';
export * from './admin-auth.guard';
export * from './typed-config';
export * from './pagination';
export * from './metrics-registry';
export * from './service-env';
