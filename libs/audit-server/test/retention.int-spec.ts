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
