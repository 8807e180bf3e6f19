import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_SERVER_OPTIONS, type AuditServerOptions } from '../audit-server.options';
import { AuditMetrics } from '../metrics/audit-metrics';
import type { MaintenanceReport } from './maintenance-report';
import { PartitionRepository, type MaintenanceSession } from './partition.repository';
import {
  DEFAULT_RETENTION_CLASS,
  isExpired,
  needsSweep,
  projectCutoff,
  RETENTION_CLASSES,
  retentionCutoff,
  windowContaining,
  windowsToEnsure,
  type RetentionClass,
} from './retention-classes';

const DAY_MS = 86_400_000;

/**
 * Keeps the time partitions of every retention class in shape: creates them ahead, moves rows of projects
 * whose retention class changed, rescues rows stranded in DEFAULT partitions, purges by dropping whole
 * partitions once they are past their class's retention, and sweeps (DELETE) the rows of projects whose
 * own retention ends before their partition can be dropped, so no row outlives its project's retention by
 * more than a day. Runs at start, hourly, just after each UTC midnight, and on demand (a retention
 * change); runs never overlap (in-process chain + a Postgres advisory lock across replicas).
 */
@Injectable()
export class PartitionMaintenanceService {
  private readonly logger = new Logger(PartitionMaintenanceService.name);
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private midnight: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly partitions: PartitionRepository,
    @Inject(AUDIT_SERVER_OPTIONS) private readonly options: AuditServerOptions,
    private readonly metrics: AuditMetrics,
  ) {}

  /** First run (awaited), then the periodic job. */
  async start(): Promise<void> {
    await this.run();
    const interval = this.options.maintenanceIntervalMs ?? 3_600_000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.run().catch((e) => this.logFailure(e)), interval);
      this.timer.unref();
      this.scheduleMidnight();
    }
  }

  /** A run just after each UTC day boundary drops the daily partitions that expired at it. */
  private scheduleMidnight(): void {
    if (this.stopped) return;
    const now = Date.now();
    const delay = (Math.floor(now / DAY_MS) + 1) * DAY_MS - now + 1_000;
    this.midnight = setTimeout(() => {
      void this.run().catch((e) => this.logFailure(e));
      this.scheduleMidnight();
    }, delay);
    this.midnight.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    if (this.midnight) clearTimeout(this.midnight);
    await this.chain.catch(() => undefined);
  }

  /** Asks for a run shortly (debounced): a project's retention class changed. */
  requestRun(): void {
    if (this.soon || this.stopped) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.run().catch((e) => this.logFailure(e));
    }, 200);
    this.soon.unref();
  }

  run(now: Date = new Date()): Promise<MaintenanceReport> {
    const next = this.chain
      .catch(() => undefined)
      .then(() => this.runExclusive(now))
      .then(
        (report) => {
          this.metrics.recordMaintenance(report);
          return report;
        },
        (error: unknown) => {
          this.metrics.maintenanceRuns.inc(['failed']);
          throw error;
        },
      );
    this.chain = next;
    return next;
  }

  private async runExclusive(now: Date): Promise<MaintenanceReport> {
    const report: MaintenanceReport = {
      created: [],
      dropped: [],
      movedRows: 0,
      purgedDefaultRows: 0,
      sweptRows: 0,
      ran: false,
    };
    const outcome = await this.partitions.withMaintenanceLock(async (session) => {
      report.ran = true;
      await this.ensureAhead(session, now, report);
      await this.moveChangedProjects(session, now, report);
      for (const retentionClass of RETENTION_CLASSES) {
        await this.rescueStranded(session, retentionClass, now, report);
        await this.dropExpired(session, retentionClass, now, report);
        report.purgedDefaultRows += await session.purgeDefault(
          retentionClass,
          retentionCutoff(retentionClass, now),
        );
      }
      await this.sweep(session, now, report);
    });
    if (
      outcome !== null &&
      (report.created.length || report.dropped.length || report.movedRows || report.sweptRows)
    ) {
      this.logger.log(
        `partitions: created ${report.created.length}, dropped ${report.dropped.length}, moved ${report.movedRows} rows, swept ${report.sweptRows} rows`,
      );
    }
    return report;
  }

  /** Partitions from yesterday to `partitionDaysAhead` days out, for every class some project uses. */
  private async ensureAhead(
    session: MaintenanceSession,
    now: Date,
    report: MaintenanceReport,
  ): Promise<void> {
    const classes = new Set<RetentionClass>([DEFAULT_RETENTION_CLASS, ...(await session.classesInUse())]);
    for (const retentionClass of classes) {
      for (const window of windowsToEnsure(retentionClass, now, this.options.partitionDaysAhead ?? 7)) {
        if (await session.createPartition(window)) report.created.push(window.name);
      }
    }
  }

  /**
   * Rows written under a project's previous class move to its new one. The move is repeated for a day
   * after the change, to catch rows that replicas wrote before they saw the change.
   */
  private async moveChangedProjects(
    session: MaintenanceSession,
    now: Date,
    report: MaintenanceReport,
  ): Promise<void> {
    for (const project of await session.projectsWithClassChangedSince(new Date(now.getTime() - DAY_MS))) {
      report.movedRows += await session.moveProjectRows(
        project.projectId,
        project.retentionClass,
        retentionCutoff(project.retentionClass, now),
      );
    }
  }

  /** Rows in a DEFAULT partition whose window is still within retention get their own partition. */
  private async rescueStranded(
    session: MaintenanceSession,
    retentionClass: RetentionClass,
    now: Date,
    report: MaintenanceReport,
  ): Promise<void> {
    const horizon = new Date(now.getTime() + ((this.options.partitionDaysAhead ?? 7) + 1) * DAY_MS);
    const days = await session.strandedDays(retentionClass, retentionCutoff(retentionClass, now), horizon);
    const seen = new Set<string>();
    for (const day of days) {
      const window = windowContaining(retentionClass, new Date(day * DAY_MS));
      if (seen.has(window.name) || isExpired(window, now)) continue;
      seen.add(window.name);
      if (await session.createPartition(window)) report.created.push(window.name);
    }
  }

  private async dropExpired(
    session: MaintenanceSession,
    retentionClass: RetentionClass,
    now: Date,
    report: MaintenanceReport,
  ): Promise<void> {
    for (const window of await session.partitionsOf(retentionClass)) {
      if (!isExpired(window, now)) continue;
      await session.dropPartition(window);
      report.dropped.push(window.name);
    }
  }

  /** Rows past their project's own retention that no partition drop will remove in time. */
  private async sweep(session: MaintenanceSession, now: Date, report: MaintenanceReport): Promise<void> {
    for (const project of await session.projectRetentions()) {
      if (!needsSweep(project.retentionDays, project.retentionClass)) continue;
      report.sweptRows += await session.sweepProject(
        project.projectId,
        project.retentionClass,
        projectCutoff(project.retentionDays, project.retentionClass, now),
      );
    }
  }

  private logFailure(error: unknown): void {
    this.logger.error(
      `partition maintenance failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
