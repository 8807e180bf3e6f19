import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BILLING_CONNECTION } from './billing-server.options';
import { ProjectBudgetSettings } from './budgets/project-budget-settings';

export interface BillingReadiness {
  ready: boolean;
  database: boolean;
  project_settings_caught_up: boolean;
}

/** What the app's /readyz asks: the database answers and budgets are known. */
@Injectable()
export class BillingHealth {
  constructor(
    @InjectDataSource(BILLING_CONNECTION) private readonly dataSource: DataSource,
    private readonly settings: ProjectBudgetSettings,
  ) {}

  async readiness(): Promise<BillingReadiness> {
    const database = await this.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    const caughtUp = this.settings.isReady();
    return { ready: database && caughtUp, database, project_settings_caught_up: caughtUp };
  }
}
