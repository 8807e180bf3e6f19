import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { KafkaEventBus } from '@pgw/messaging';
import { exitOnConfigError, loadConfig } from '@pgw/server-kit';
import { GatewayAppModule } from './app.module';
import { GatewayConfig } from './gateway.config';

/**
 * Node flag for production (the container's command; NODE_OPTIONS accepts it too):
 *   --max-semi-space-size=4
 * A 4 MB young generation keeps scavenges short and the resident set lower than V8's default. Measured on
 * the gateway bench (bench/gateway/README.md, "Heap flags"): adding --heap-growing-percent=30 (or capping
 * the old space) cuts peak RSS from ~165-200 MB to ~125 MB but makes major GCs so frequent that the added
 * p99 at half load grows from +4-8 ms to +16-32 ms; latency wins here. bench/gateway runs with this flag.
 */
async function bootstrap(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig(GatewayConfig);
  } catch (error) {
    exitOnConfigError(error);
  }
  const bus = new KafkaEventBus({
    brokers: config.kafkaBrokers,
    clientId: `pgw-gateway-${config.INSTANCE_ID}`,
    spillPath: config.spillPath,
    // Events are fire-and-forget for the request; a longer linger means fewer, larger produce requests.
    lingerMs: 20,
    maxBatchMessages: 2_000,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayAppModule.forRoot(config.toServerOptions(), bus),
    new FastifyAdapter({ bodyLimit: config.MAX_BODY_BYTES, keepAliveTimeout: 65_000 }),
    { logger: ['error', 'warn', 'log'] },
  );
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  new Logger('Gateway').log(`listening on ${config.HOST}:${config.PORT} (instance ${config.INSTANCE_ID})`);
}

void bootstrap();
