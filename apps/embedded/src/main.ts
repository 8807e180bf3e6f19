import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeError, EventBusTransport, InProcessEventBus } from '@pgw/messaging';
import type { DatabaseTarget } from '@pgw/persistence';
import { PolicySeedService, StateRepublisher } from '@pgw/policy-server';
import { defaultPolicyConfig } from '@pgw/policy-engine';
import {
  exitOnConfigError,
  loadConfig,
  httpTimeoutsFromEnv,
  timedServerFactory,
  answerFrameworkError,
} from '@pgw/server-kit';
import { MockUpstream } from '@pgw/testing';
import { join, resolve } from 'node:path';
import { EmbeddedConfig } from './embedded.config';
import { loadOrCreateEmbeddedSecrets } from './embedded-secrets';
import { EmbeddedModule } from './embedded.module';

async function bootstrap(): Promise<void> {
  let config: EmbeddedConfig;
  try {
    config = loadConfig(EmbeddedConfig);
  } catch (error) {
    exitOnConfigError(error);
  }
  const logger = new Logger('Embedded');
  const dataDir = resolve(config.DATA_DIR);
  const secrets = loadOrCreateEmbeddedSecrets(dataDir);
  const adminToken = config.ADMIN_TOKEN ?? secrets.adminToken;
  const database: DatabaseTarget = { kind: 'pglite', dataDir: join(dataDir, 'pglite') };
  const bus = new InProcessEventBus((error) =>
    logger.warn(`event handler failed, retrying: ${describeError(error)}`),
  );

  const mock = config.UPSTREAM_BASE_URL ? null : await MockUpstream.start({ recordRequests: false });
  const upstream = mock
    ? { baseUrl: mock.baseUrl, apiKey: 'mock' }
    : { baseUrl: config.UPSTREAM_BASE_URL as string, apiKey: config.UPSTREAM_API_KEY ?? '' };

  const app = await NestFactory.create<NestFastifyApplication>(
    EmbeddedModule.forRoot({
      bus,
      policy: {
        database,
        adminToken,
        runMigrations: true,
        keyUsage: { consumerGroup: 'policy.key-last-used' },
      },
      audit: {
        database,
        adminToken,
        runMigrations: true,
        attestationPrivateKeyPem: config.attestationPrivateKeyPem,
      },
      billing: { database, adminToken, runMigrations: true },
      gateway: { routes: {}, defaultUpstream: upstream, instanceId: 'embedded', limits: { kind: 'memory' } },
      // dist/apps/embedded/src/main.js -> dist/apps/console (the console's Nx build target)
      consoleDirectory: resolve(__dirname, '../../console'),
    }),
    new FastifyAdapter({
      bodyLimit: 1024 * 1024,
      frameworkErrors: answerFrameworkError,
      serverFactory: timedServerFactory(httpTimeoutsFromEnv()),
    }),
    { logger: ['error', 'warn', 'log'] },
  );
  app.enableShutdownHooks();
  // The consumers carry EventHandlerErrorFilter themselves (a global filter here would come too late).
  app.connectMicroservice({ strategy: new EventBusTransport(bus, 'embedded') });
  await app.startAllMicroservices();
  await app.listen(config.PORT, config.HOST);
  if (mock) app.getHttpServer().on('close', () => void mock.close());

  // The in-process bus starts empty: publish the stored state so the gateway, audit and billing see it.
  await app.get(StateRepublisher).republishAll();
  const demo = await app.get(PolicySeedService).seedDemoProject({
    name: 'demo',
    allowedModels: config.DEMO_MODELS.split(',').map((model) => model.trim()),
    keySecret: secrets.demoKeySecret,
    // DEMO_POLICY=false: a policy without rules (every project has a policy; this one checks nothing).
    policyConfig:
      config.DEMO_POLICY === 'true'
        ? (defaultPolicyConfig() as unknown as Record<string, unknown>)
        : { version: 1, name: 'no rules', rules: [] },
  });
  await bus.flush();

  const base = `http://${config.HOST}:${config.PORT}`;
  console.log(
    [
      '',
      'Policy Gateway (embedded) is up.',
      `  OpenAI base URL : ${base}/v1`,
      `  upstream        : ${mock ? `built-in mock (${mock.baseUrl})` : upstream.baseUrl}`,
      `  admin API       : ${base}/admin/v1  (Authorization: Bearer <admin token>)`,
      `  admin console   : ${base}/console  (sign in with the admin token)`,
      `  admin token     : ${adminToken}`,
      `  demo project    : ${demo.projectId}`,
      `  demo key        : ${demo.apiKey}`,
      '',
      `  export PGW_DEMO_KEY=${demo.apiKey}`,
      '',
    ].join('\n'),
  );
}

void bootstrap();
