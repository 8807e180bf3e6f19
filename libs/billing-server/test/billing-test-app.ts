import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@pgw/contracts';
import { EventBusModule, EventBusTransport, KafkaEventBus, type EventBus } from '@pgw/messaging';
import { startAtTopicEnd } from '@pgw/testing';
import { BillingServerModule, RetentionService, type BillingServerOptions } from '../src';

export const TEST_ADMIN_TOKEN = 'billing-test-admin-token';

@Module({})
class BillingTestRootModule {
  static with(bus: EventBus, options: BillingServerOptions): DynamicModule {
    return {
      module: BillingTestRootModule,
      imports: [EventBusModule.forRoot(bus), BillingServerModule.forRoot(options)],
    };
  }
}

export interface BillingTestApp {
  app: NestFastifyApplication;
  request(
    method: 'GET' | 'POST',
    url: string,
    body?: unknown,
    token?: string | null,
  ): Promise<{
    status: number;
    body: string;
    json: <T = Record<string, unknown>>() => T;
    headers: Record<string, unknown>;
  }>;
  close(): Promise<void>;
}

/** The billing server module in a Fastify Nest app, with the bus transport connected as in apps/billing. */
export async function startBillingTestApp(
  bus: EventBus,
  options: Omit<BillingServerOptions, 'adminToken' | 'runMigrations'> & Partial<BillingServerOptions>,
  transportName: string,
): Promise<BillingTestApp> {
  const app = await NestFactory.create<NestFastifyApplication>(
    BillingTestRootModule.with(bus, { adminToken: TEST_ADMIN_TOKEN, runMigrations: true, ...options }),
    new FastifyAdapter(),
    { logger: ['error', 'warn'] },
  );
  if (bus instanceof KafkaEventBus) await startAtTopicEnd(`${transportName}.${TOPICS.usage}`, TOPICS.usage);
  app.connectMicroservice(
    { strategy: new EventBusTransport(bus, transportName) },
    { inheritAppConfig: true },
  );
  await app.init();
  // The retention job runs once at start: let it finish so it cannot race a test's own rows.
  await app.get(RetentionService).whenIdle();
  await app.startAllMicroservices();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    async request(method, url, body, token = TEST_ADMIN_TOKEN) {
      const response = await app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method,
          url,
          headers: token === null ? {} : { authorization: `Bearer ${token}` },
          ...(body === undefined ? {} : { payload: body as object }),
        });
      return {
        status: response.statusCode,
        body: response.body,
        json: <T>() => JSON.parse(response.body) as T,
        headers: response.headers,
      };
    },
    close: () => app.close(),
  };
}
