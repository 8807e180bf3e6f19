import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { POLICY_CONNECTION } from './policy-migrations';

/** For the app's /readyz: can the policy database answer? */
@Injectable()
export class PolicyDatabaseHealth {
  constructor(@InjectDataSource(POLICY_CONNECTION) private readonly dataSource: DataSource) {}

  async ping(): Promise<boolean> {
    try {
      await this.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}
