import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { KafkaEventBus } from '@pgw/messaging';
import { exitOnConfigError, loadConfig } from '@pgw/server-kit';
import { AuditConfig } from './audit.config';
import { createAuditApp } from './bootstrap';

async function bootstrap(): Promise<void> {
  let config: AuditConfig;
  try {
    config = loadConfig(AuditConfig);
  } catch (error) {
    exitOnConfigError(error);
  }
  const logger = new Logger('audit');
  const bus = new KafkaEventBus({
    brokers: config.kafkaBrokers,
    clientId: 'audit',
    logger: (message) => logger.warn(`[kafka] ${message}`),
  });
  const app = await createAuditApp(config, bus);
  await app.listen({ port: config.PORT, host: config.HOST });
  logger.log(`audit listening on ${config.HOST}:${config.PORT}`);
}

void bootstrap().catch((error: unknown) => {
  console.error('audit failed to start:', error);
  process.exit(1);
});
