import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  EventBusTransport,
  KafkaEventBus,
  exitOnKafkaSecurityError,
  kafkaSecurityAtStart,
} from '@pgw/messaging';
import { migrateOnly } from '@pgw/persistence';
import { BILLING_MIGRATIONS, BILLING_SCHEMA, BillingMetrics } from '@pgw/billing-server';
import {
  exitOnConfigError,
  httpTimeoutsFromEnv,
  listenMetrics,
  loadConfig,
  timedServerFactory,
  answerFrameworkError,
} from '@pgw/server-kit';
import { AppModule } from './app.module';
import { BillingConfig } from './billing.config';

async function bootstrap(): Promise<void> {
  let config: BillingConfig;
  try {
    config = loadConfig(BillingConfig);
  } catch (error) {
    exitOnConfigError(error);
  }
  if (config.MIGRATE_ONLY) {
    await migrateOnly({
      target: config.database,
      schema: BILLING_SCHEMA,
      migrations: BILLING_MIGRATIONS,
    });
    return;
  }
  const logger = new Logger('billing');
  const security = await kafkaSecurityAtStart({
    brokers: config.kafkaBrokers,
    clientId: 'billing',
    log: (message) => logger.log(message),
  }).catch(exitOnKafkaSecurityError);
  const bus = new KafkaEventBus({
    brokers: config.kafkaBrokers,
    clientId: 'billing',
    security,
    logger: (message) => logger.warn(`[kafka] ${message}`),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, bus),
    new FastifyAdapter({
      frameworkErrors: answerFrameworkError,
      serverFactory: timedServerFactory(httpTimeoutsFromEnv()),
    }),
    { logger: ['error', 'warn', 'log'] },
  );
  // The consumers carry EventHandlerErrorFilter themselves (a global filter here would come too late).
  app.connectMicroservice(
    { strategy: new EventBusTransport(bus, config.KAFKA_CONSUMER_GROUP) },
    { inheritAppConfig: true },
  );
  // SIGTERM/SIGINT: stop consuming, finish the in-flight batch, drain timers, close the database and bus.
  app.enableShutdownHooks();
  // The OpenAPI document only (the Swagger UI would need @fastify/static, which is not a dependency).
  SwaggerModule.setup(
    'admin/v1/billing/docs',
    app,
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder().setTitle('Policy Gateway billing admin API').addBearerAuth().build(),
    ),
    { ui: false, raw: ['json'], jsonDocumentUrl: 'admin/v1/billing/openapi.json' },
  );
  await app.init();
  await app.startAllMicroservices();
  await app.listen({ port: config.PORT, host: config.HOST });
  const metrics = app.get(BillingMetrics);
  await listenMetrics({
    port: config.METRICS_PORT,
    host: config.HOST,
    routes: { '/metrics': () => metrics.render() },
  });
  logger.log(`billing listening on ${config.HOST}:${config.PORT}, metrics on ${config.METRICS_PORT}`);
}

void bootstrap().catch((error: unknown) => {
  console.error('billing failed to start:', error);
  process.exit(1);
});
