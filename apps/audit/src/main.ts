import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { AUDIT_MIGRATIONS, AUDIT_SCHEMA, AuditMetrics } from '@pgw/audit-server';
import { KafkaEventBus, exitOnKafkaSecurityError, kafkaSecurityAtStart } from '@pgw/messaging';
import { migrateOnly } from '@pgw/persistence';
import { exitOnConfigError, listenMetrics, loadConfig } from '@pgw/server-kit';
import { AuditConfig } from './audit.config';
import { createAuditApp } from './bootstrap';

async function bootstrap(): Promise<void> {
  let config: AuditConfig;
  try {
    config = loadConfig(AuditConfig);
  } catch (error) {
    exitOnConfigError(error);
  }
  if (config.MIGRATE_ONLY) {
    await migrateOnly({
      target: config.database,
      schema: AUDIT_SCHEMA,
      migrations: AUDIT_MIGRATIONS,
    });
    return;
  }
  const logger = new Logger('audit');
  const security = await kafkaSecurityAtStart({
    brokers: config.kafkaBrokers,
    clientId: 'audit',
    log: (message) => logger.log(message),
  }).catch(exitOnKafkaSecurityError);
  const bus = new KafkaEventBus({
    brokers: config.kafkaBrokers,
    clientId: 'audit',
    security,
    logger: (message) => logger.warn(`[kafka] ${message}`),
  });
  const app = await createAuditApp(config, bus, config.KAFKA_CONSUMER_GROUP);
  await app.listen({ port: config.PORT, host: config.HOST });
  const metrics = app.get(AuditMetrics);
  await listenMetrics({
    port: config.METRICS_PORT,
    host: config.HOST,
    routes: { '/metrics': () => metrics.render() },
  });
  logger.log(`audit listening on ${config.HOST}:${config.PORT}, metrics on ${config.METRICS_PORT}`);
}

void bootstrap().catch((error: unknown) => {
  console.error('audit failed to start:', error);
  process.exit(1);
});
