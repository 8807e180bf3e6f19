import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { KafkaEventBus, exitOnKafkaSecurityError, kafkaSecurityAtStart } from '@pgw/messaging';
import {
  buildPolicyOpenApiDocument,
  POLICY_DOCS_PATH,
  POLICY_MIGRATIONS,
  POLICY_SCHEMA,
  serveSwaggerUi,
} from '@pgw/policy-server';
import { migrateOnly } from '@pgw/persistence';
import {
  exitOnConfigError,
  loadConfig,
  httpTimeoutsFromEnv,
  timedServerFactory,
  answerFrameworkError,
} from '@pgw/server-kit';
import { resolve } from 'node:path';
import { PolicyAppModule } from './app.module';
import { PolicyConfig } from './policy.config';

async function bootstrap(): Promise<void> {
  let config: PolicyConfig;
  try {
    config = loadConfig(PolicyConfig);
  } catch (error) {
    exitOnConfigError(error);
  }
  if (config.MIGRATE_ONLY) {
    await migrateOnly({
      target: config.database,
      schema: POLICY_SCHEMA,
      migrations: POLICY_MIGRATIONS,
    });
    return;
  }
  const logger = new Logger('policy');
  const security = await kafkaSecurityAtStart({
    brokers: config.kafkaBrokers,
    clientId: 'pgw-policy',
    log: (message) => logger.log(message),
  }).catch(exitOnKafkaSecurityError);
  const bus = new KafkaEventBus({
    brokers: config.kafkaBrokers,
    clientId: 'pgw-policy',
    security,
    logger: (message) => logger.warn(`[kafka] ${message}`),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    PolicyAppModule.forRoot(
      {
        database: config.database,
        adminToken: config.ADMIN_TOKEN,
        runMigrations: config.RUN_MIGRATIONS,
        keyUsage: { consumerGroup: config.KEY_USAGE_CONSUMER_GROUP },
      },
      bus,
      // dist/apps/policy/src/main.js -> dist/apps/console (the console's Nx build target)
      resolve(__dirname, '../../console'),
    ),
    new FastifyAdapter({
      frameworkErrors: answerFrameworkError,
      serverFactory: timedServerFactory(httpTimeoutsFromEnv()),
    }),
    // Nest's default also prints debug and verbose lines (the key-usage tracker's, once a second).
    { logger: ['error', 'warn', 'log'] },
  );
  app.enableShutdownHooks();
  serveSwaggerUi(app, POLICY_DOCS_PATH, buildPolicyOpenApiDocument(app));
  await app.listen(config.PORT, config.HOST);
  new Logger('PolicyService').log(
    `listening on ${config.HOST}:${config.PORT} (admin docs at /${POLICY_DOCS_PATH})`,
  );
}

void bootstrap();
