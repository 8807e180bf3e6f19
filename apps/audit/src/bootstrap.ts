import { NestFactory } from '@nestjs/core';
import { httpTimeoutsFromEnv, timedServerFactory, answerFrameworkError } from '@pgw/server-kit';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { EventBusTransport, type EventBus } from '@pgw/messaging';
import { AppModule } from './app.module';
import type { AuditConfig } from './audit.config';

/**
 * Builds the audit app, started and consuming but not yet listening: init runs migrations, loads state and
 * the first partition maintenance before the consumer starts. `consumerName` names the consumer group.
 */
export async function createAuditApp(
  config: AuditConfig,
  bus: EventBus,
  consumerName = 'audit',
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, bus),
    new FastifyAdapter({
      frameworkErrors: answerFrameworkError,
      serverFactory: timedServerFactory(httpTimeoutsFromEnv()),
    }),
    {
      logger: ['error', 'warn', 'log'],
    },
  );
  // The consumers carry EventHandlerErrorFilter themselves (a global filter here would come too late).
  app.connectMicroservice({ strategy: new EventBusTransport(bus, consumerName) }, { inheritAppConfig: true });
  // SIGTERM/SIGINT: stop consuming (the in-flight batch finishes and commits), stop the job, close DB and bus.
  app.enableShutdownHooks();
  // The OpenAPI document only (the Swagger UI would need @fastify/static, which is not a dependency).
  SwaggerModule.setup(
    'admin/v1/audit/docs',
    app,
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder().setTitle('Policy Gateway audit admin API').addBearerAuth().build(),
    ),
    { ui: false, raw: ['json'], jsonDocumentUrl: 'admin/v1/audit/openapi.json' },
  );
  await app.init();
  await app.startAllMicroservices();
  return app;
}
