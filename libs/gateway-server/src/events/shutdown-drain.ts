import type { Server } from 'node:http';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { EVENT_BUS, type EventBus } from '@pgw/messaging';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway-server.options';

const SWEEP_MS = 250;
const POLL_MS = 100;

/**
 * The gateway's part of a graceful stop (SIGTERM → Nest's close): responses in flight finish (each bounded by
 * the upstream's max duration), then the events they produced and any spilled ones get up to shutdownDrainMs
 * to reach Kafka, before the bus (a global module, closed last) flushes what is left to the spill file.
 */
@Injectable()
export class ShutdownDrain implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('ShutdownDrain');
  private sweep: NodeJS.Timeout | null = null;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions,
  ) {}

  /**
   * Node's server.close() closes only the connections idle at that moment; one busy then (a stream) stays
   * open after its response for the whole keep-alive timeout. Closing connections as they go idle lets the
   * listener close right after the last response.
   */
  beforeApplicationShutdown(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server || typeof server.closeIdleConnections !== 'function') return;
    this.sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
    this.sweep.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
    const deadline = Date.now() + this.options.shutdownDrainMs;
    await this.bus.flush();
    let pending = this.pending();
    while (pending > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      await this.bus.flush();
      pending = this.pending();
    }
    if (pending > 0) {
      this.logger.warn(
        `${pending} events not yet in Kafka after ${this.options.shutdownDrainMs} ms: they stay in the spill file for the next start with this INSTANCE_ID`,
      );
    }
  }

  private pending(): number {
    const health = this.bus.health();
    return health.spilled + health.buffered;
  }
}
