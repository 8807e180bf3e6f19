import { Injectable } from '@nestjs/common';
import { microsToUsd } from '../shared/money';
import { BudgetStateService } from './budget-state.service';
import type { BudgetResponseDto } from './dto/budget.response.dto';

@Injectable()
export class BudgetsService {
  constructor(private readonly state: BudgetStateService) {}

  async current(projectId: string, now: Date = new Date()): Promise<BudgetResponseDto> {
    const state = await this.state.current(projectId, now);
    return {
      project_id: state.project_id,
      period: state.period,
      spent_micros: state.spent_micros,
      spent_usd: microsToUsd(state.spent_micros),
      limit_micros: state.limit_micros,
      limit_usd: state.limit_micros === null ? null : microsToUsd(state.limit_micros),
      soft_limit_micros: state.soft_limit_micros,
      soft_limit_reached: state.soft_limit_micros !== null && state.spent_micros >= state.soft_limit_micros,
      exhausted: state.exhausted,
      alerts: await this.state.alerts(projectId, state.period),
      as_of: state.updated_at,
    };
  }
}
