import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PolicyDatabaseHealth } from '@pgw/policy-server';

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(private readonly database: PolicyDatabaseHealth) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the database answers (Kafka outages are absorbed by the outbox). */
  @Get('readyz')
  async readyz(): Promise<{ status: 'ready' }> {
    if (!(await this.database.ping()))
      throw new ServiceUnavailableException({ status: 'database unavailable' });
    return { status: 'ready' };
  }
}
