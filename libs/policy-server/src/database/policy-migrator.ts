import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { migrate } from '@pgw/persistence';
import { POLICY_SERVER_OPTIONS, type PolicyServerOptions } from '../policy-server.options';
import { POLICY_CONNECTION, POLICY_SCHEMA } from './policy-migrations';

/** Runs this service's migrations at module init (before the relay starts on bootstrap) when asked. */
@Injectable()
export class PolicyMigrator implements OnModuleInit {
  constructor(
    @InjectDataSource(POLICY_CONNECTION) private readonly dataSource: DataSource,
    @Inject(POLICY_SERVER_OPTIONS) private readonly options: PolicyServerOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.runMigrations) await migrate(this.dataSource, POLICY_SCHEMA);
  }
}
