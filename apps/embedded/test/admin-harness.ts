import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventBusTransport, InProcessEventBus } from '@pgw/messaging';
import { answerFrameworkError } from '@pgw/server-kit';
import { createTestDatabase, MockUpstream, type TestDatabase } from '@pgw/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedModule } from '../src/embedded.module';

export const ADMIN_TOKEN = 'admin-hostile-token-0123456789';

export interface AdminHost {
  url: string;
  app: NestFastifyApplication;
  bus: InProcessEventBus;
  mock: MockUpstream;
  close(): Promise<void>;
}

/**
 * The four services as the embedded product composes them (policy, audit, billing admin APIs and the
 * gateway in one Nest app on the in-process bus), over a throwaway Postgres database, on a real port.
 */
export async function startAdminHost(label: string): Promise<AdminHost> {
  const db: TestDatabase = await createTestDatabase(label);
  const mock = await MockUpstream.start();
  const consoleDirectory = mkdtempSync(join(tmpdir(), 'pgw-no-console-'));
  const bus = new InProcessEventBus(() => undefined);
  const database = { kind: 'postgres' as const, url: db.url, poolSize: 4 };
  const app = await NestFactory.create<NestFastifyApplication>(
    EmbeddedModule.forRoot({
      bus,
      policy: { database, adminToken: ADMIN_TOKEN, runMigrations: true },
      audit: { database, adminToken: ADMIN_TOKEN, runMigrations: true, maintenanceIntervalMs: 0 },
      billing: { database, adminToken: ADMIN_TOKEN, runMigrations: true },
      gateway: {
        routes: {},
        defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'mock' },
        instanceId: `admin-hostile-${label}`,
        limits: { kind: 'memory' },
      },
      consoleDirectory,
    }),
    new FastifyAdapter({ bodyLimit: 1024 * 1024, frameworkErrors: answerFrameworkError }),
    { logger: ['error', 'warn'] },
  );
  app.connectMicroservice({ strategy: new EventBusTransport(bus, `embedded-${label}`) });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    bus,
    mock,
    close: async () => {
      await app.close();
      await mock.close();
      await db.drop();
      rmSync(consoleDirectory, { recursive: true, force: true });
    },
  };
}
