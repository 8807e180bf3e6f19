import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { EVENT_BUS, type EventBus } from '@pgw/messaging';
import type { DataSource } from 'typeorm';
import { AUDIT_DATA_SOURCE } from './audit-server.options';
import { AuditReadiness } from './audit-readiness';
import { IngestStats } from './ingest/ingest-stats';

export interface AuditHealthReport {
  ready: boolean;
  database: boolean;
  bus: ReturnType<EventBus['health']>;
  ingest: ReturnType<IngestStats['snapshot']>;
}

/** What the app's /readyz reports: started, database answering, bus connected, and the ingest counters. */
@Injectable()
export class AuditHealth {
  constructor(
    @InjectDataSource(AUDIT_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly readiness: AuditReadiness,
    private readonly stats: IngestStats,
  ) {}

  async check(): Promise<AuditHealthReport> {
    const database = await this.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    const bus = this.bus.health();
    return {
      ready: this.readiness.ok && database && bus.connected,
      database,
      bus,
      ingest: this.stats.snapshot(),
    };
  }
}
