import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { migrate } from '@pgw/persistence';
import type { DataSource } from 'typeorm';
import {
  AUDIT_DATA_SOURCE,
  AUDIT_SCHEMA,
  AUDIT_SERVER_OPTIONS,
  type AuditServerOptions,
} from './audit-server.options';
import { AuditReadiness } from './audit-readiness';
import { PartitionMaintenanceService } from './retention/partition-maintenance.service';
import { KeyStateStore } from './state/key-state.store';
import { ProjectStateStore } from './state/project-state.store';

/**
 * Start-up in order: migrations, project retention (persisted copy + state topic), keys, the first
 * partition maintenance run. Shutdown: the job and the followers stop first (an in-flight batch keeps
 * its in-memory state), then Nest closes the transport (which lets the in-flight batch finish), and
 * TypeORM closes the pool last.
 */
@Injectable()
export class AuditLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @InjectDataSource(AUDIT_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(AUDIT_SERVER_OPTIONS) private readonly options: AuditServerOptions,
    private readonly readiness: AuditReadiness,
    private readonly projectState: ProjectStateStore,
    private readonly keyState: KeyStateStore,
    private readonly maintenance: PartitionMaintenanceService,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.runMigrations) await migrate(this.dataSource, AUDIT_SCHEMA);
    const timeoutMs = this.options.stateCatchUpTimeoutMs ?? 15_000;
    this.projectState.onClassChange(() => this.maintenance.requestRun());
    await Promise.all([this.projectState.start(timeoutMs), this.keyState.start(timeoutMs)]);
    // The first maintenance run must see every retention class in use, so wait for them to be persisted.
    await this.projectState.settled();
    await this.maintenance.start();
    this.readiness.markReady();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.maintenance.stop();
    await this.projectState.stop();
    await this.keyState.stop();
  }
}
