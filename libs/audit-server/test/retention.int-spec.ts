import { TOPICS } from '@pgw/contracts';
import { InProcessEventBus } from '@pgw/messaging';
import { waitFor } from '@pgw/testing';
import { PartitionMaintenanceService, ProjectStateStore, windowContaining } from '../src';
import {
  countRows,
  decisionMessage,
  publishProjectState,
  startAudit,
  uniqueId,
  type AuditHarness,
} from './audit-harness';

const DAY_MS = 86_400_000;

async function partitionNames(audit: AuditHarness, parent: string): Promise<string[]> {
  const result = await audit.pg.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = $1 ORDER BY 1`,
    [parent],
  );
  return result.rows.map((row) => row.name);
}

describe('retention by partition (classes × time)', () => {
  const bus = new InProcessEventBus((error) => console.error(error));
  let audit: AuditHarness;
  let maintenance: PartitionMaintenanceService;
  const shortLived = uniqueId('free');
  const longLived = uniqueId('ent');

  beforeAll(async () => {
    publishProjectState(bus, shortLived, 'free', 30);
    publishProjectState(bus, longLived, 'enterprise', 365);
    audit = await startAudit(bus, 'retention', { partitionDaysAhead: 7 });
    maintenance = audit.app.get(PartitionMaintenanceService);
  });

  afterAll(async () => {
    await audit?.close();
    await bus.close();
  });

  it('creates partitions ahead for the classes in use, each with a DEFAULT partition', async () => {
    const now = new Date();
    const r30 = await partitionNames(audit, 'decisions_r30');
    expect(r30).toContain('decisions_r30_default');
    for (let day = 0; day <= 7; day++) {
      expect(r30).toContain(windowContaining(30, new Date(now.getTime() + day * DAY_MS)).name);
    }
    expect(await partitionNames(audit, 'decisions_r365')).toContain(
      windowContaining(365, new Date(now.getTime() + 7 * DAY_MS)).name,
    );
    // A class nobody uses has only its DEFAULT partition.
    expect(await partitionNames(audit, 'decisions_r3650')).toEqual(['decisions_r3650_default']);
  });

  it('drops a partition past its TTL while a longer-retention project keeps its rows of the same day', async () => {
    const day = new Date(Date.now() - 10 * DAY_MS);
    day.setUTCHours(12, 0, 0, 0);
    const at = (minute: number): string => new Date(day.getTime() + minute * 60_000).toISOString();
    bus.publish(TOPICS.decisions, [
      ...[1, 2, 3].map((m) => decisionMessage(shortLived, { created_at: at(m) })),
      ...[1, 2].map((m) => decisionMessage(longLived, { created_at: at(m) })),
    ]);
    await waitFor(
      async () => (await countRows(audit.pg, 'project_id = ANY($1)', [[shortLived, longLived]])) === 5,
    );
    // Ten days back is older than the partitions made ahead: the rows land in the DEFAULT partitions, and
    // maintenance gives their day a partition of its own (moving them there).
    await maintenance.run();
    const shortWindow = windowContaining(30, day);
    const longWindow = windowContaining(365, day);
    expect(await countRows(audit.pg, `tableoid = $1::regclass`, [`audit.${shortWindow.name}`])).toBe(3);
    expect(await countRows(audit.pg, `tableoid = $1::regclass`, [`audit.${longWindow.name}`])).toBe(2);

    // 31 days after that day: the 30-day class's partition goes, by DROP, not DELETE.
    const later = await maintenance.run(new Date(shortWindow.end.getTime() + 30 * DAY_MS));
    expect(later.dropped).toContain(shortWindow.name);
    expect(later.dropped).not.toContain(longWindow.name);
    expect(await partitionNames(audit, 'decisions_r30')).not.toContain(shortWindow.name);
    expect(await countRows(audit.pg, 'project_id = $1', [shortLived])).toBe(0);
    expect(await countRows(audit.pg, 'project_id = $1', [longLived])).toBe(2);

    // And the long class's partition goes once it, too, is past its retention.
    const muchLater = await maintenance.run(new Date(longWindow.end.getTime() + 365 * DAY_MS));
    expect(muchLater.dropped).toContain(longWindow.name);
    expect(await countRows(audit.pg, 'project_id = $1', [longLived])).toBe(0);
  });

  it('moves a project to its new class when its retention changes', async () => {
    const upgraded = uniqueId('upgrade');
    publishProjectState(bus, upgraded, 'free', 30);
    await audit.app.get(ProjectStateStore).settled();
    bus.publish(TOPICS.decisions, [decisionMessage(upgraded), decisionMessage(upgraded)]);
    await waitFor(
      async () => (await countRows(audit.pg, 'project_id = $1 AND retention_class = 30', [upgraded])) === 2,
    );

    publishProjectState(bus, upgraded, 'enterprise', 730);
    await audit.app.get(ProjectStateStore).settled();
    await maintenance.run();
    expect(await countRows(audit.pg, 'project_id = $1 AND retention_class = 730', [upgraded])).toBe(2);
    expect(await countRows(audit.pg, 'project_id = $1', [upgraded])).toBe(2);
    const persisted = await audit.pg.query(
      `SELECT plan, retention_days, retention_class FROM audit.project_retention WHERE project_id = $1`,
      [upgraded],
    );
    expect(persisted.rows).toEqual([{ plan: 'enterprise', retention_days: 730, retention_class: 730 }]);
    // New events of the project go straight to the new class.
    const later = decisionMessage(upgraded);
    bus.publish(TOPICS.decisions, [later]);
    await waitFor(
      async () => (await countRows(audit.pg, 'project_id = $1 AND retention_class = 730', [upgraded])) === 3,
    );
  });
});

describe('retention exact to a day, whatever the project setting', () => {
  const bus = new InProcessEventBus((error) => console.error(error));
  let audit: AuditHarness;
  let maintenance: PartitionMaintenanceService;
  // 30 = its class, partitioned daily (dropped whole); 31 rounds up to class 60; 400 to class 730 (30-day
  // windows): without the sweep their rows lived ~60 and ~730 days.
  const projects = { d30: uniqueId('d30'), d31: uniqueId('d31'), d400: uniqueId('d400') };

  beforeAll(async () => {
    publishProjectState(bus, projects.d30, 'free', 30);
    publishProjectState(bus, projects.d31, 'enterprise', 31);
    publishProjectState(bus, projects.d400, 'enterprise', 400);
    audit = await startAudit(bus, 'retentionexact', { partitionDaysAhead: 2 });
    await audit.app.get(ProjectStateStore).settled();
    maintenance = audit.app.get(PartitionMaintenanceService);
  });

  afterAll(async () => {
    await audit?.close();
    await bus.close();
  });

  const MINUTE = 60_000;
  const ages = async (projectId: string, now: number): Promise<number[]> => {
    const result = await audit.pg.query<{ minutes: number }>(
      `SELECT round(extract(epoch FROM ($2::timestamptz - created_at)) / 60)::int AS minutes
         FROM audit.decisions WHERE project_id = $1 ORDER BY created_at DESC`,
      [projectId, new Date(now).toISOString()],
    );
    return result.rows.map((row) => row.minutes);
  };

  it('removes rows of 31- and 400-day projects at their exact retention, keeps them before it', async () => {
    const now = Date.now();
    const at = (ageMinutes: number): string => new Date(now - ageMinutes * MINUTE).toISOString();
    const messages = [];
    for (const [projectId, days] of [
      [projects.d31, 31],
      [projects.d400, 400],
    ] as const) {
      // 2 minutes inside, 3 minutes inside, and 2 minutes past the project's retention.
      for (const offset of [-3, -2, 2])
        messages.push(decisionMessage(projectId, { created_at: at(days * 1440 + offset) }));
    }
    bus.publish(TOPICS.decisions, messages);
    await waitFor(
      async () => (await countRows(audit.pg, 'project_id = ANY($1)', [[projects.d31, projects.d400]])) === 6,
    );

    // (The class change of each project already asked for a run of its own: the sweep may have run there.)
    await maintenance.run(new Date(now));
    expect(await ages(projects.d31, now)).toEqual([31 * 1440 - 3, 31 * 1440 - 2]);
    expect(await ages(projects.d400, now)).toEqual([400 * 1440 - 3, 400 * 1440 - 2]);

    // Two and a half minutes later the row that was 2 minutes inside is past retention; the other is not.
    const later = now + 2.5 * MINUTE;
    expect((await maintenance.run(new Date(later))).sweptRows).toBe(2);
    expect(await ages(projects.d31, now)).toEqual([31 * 1440 - 3]);
    expect(await ages(projects.d400, now)).toEqual([400 * 1440 - 3]);
  });

  it('drops a 30-day project’s day within a day of its retention, never before it', async () => {
    const now = Date.now();
    const at = (ageMinutes: number): string => new Date(now - ageMinutes * MINUTE).toISOString();
    // The expired row first: both share the project's key, so its Kafka partition, and are ingested in order.
    // Waiting for the young row means the old one was handled too, whether or not a maintenance run the
    // project's class change asked for has already removed it (waiting for two rows raced that run).
    bus.publish(TOPICS.decisions, [
      decisionMessage(projects.d30, { created_at: at(31 * 1440 + 1) }),
      decisionMessage(projects.d30, { created_at: at(30 * 1440 - 1) }),
    ]);
    await waitFor(async () => (await ages(projects.d30, now)).includes(30 * 1440 - 1));
    await maintenance.run(new Date(now));
    expect(await ages(projects.d30, now)).toEqual([30 * 1440 - 1]);
  });
});
