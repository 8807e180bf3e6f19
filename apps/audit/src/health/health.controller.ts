import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AuditHealth } from '@pgw/audit-server';

interface ReplyLike {
  status(code: number): ReplyLike;
  send(body: unknown): void;
}

/** Liveness and readiness of the audit process (app-level, so embedded mode has no route clash). */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(private readonly audit: AuditHealth) {}

  @Get('healthz')
  @HttpCode(HttpStatus.OK)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 503 until migrations ran and state was loaded, and while Postgres or Kafka is away. */
  @Get('readyz')
  async readyz(@Res() reply: ReplyLike): Promise<void> {
    const health = await this.audit.check();
    reply.status(health.ready ? 200 : 503).send({
      status: health.ready ? 'ready' : 'not_ready',
      database: health.database,
      kafka: health.bus.connected,
      ingest: health.ingest,
    });
  }
}
