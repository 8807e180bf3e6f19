import { Controller, Get, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { BillingHealth } from '@pgw/billing-server';
import { EVENT_BUS, type EventBus } from '@pgw/messaging';

interface ReplyLike {
  status(code: number): ReplyLike;
  send(body: unknown): void;
}

/** Liveness and readiness of the billing process (app-level, so embedded mode has no route clash). */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly billing: BillingHealth,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  @Get('healthz')
  @HttpCode(HttpStatus.OK)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res() reply: ReplyLike): Promise<void> {
    const readiness = await this.billing.readiness();
    const kafka = this.bus.health().connected;
    const ready = readiness.ready && kafka;
    reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', ...readiness, kafka });
  }
}
