import {
  isExpired,
  needsSweep,
  parsePartitionName,
  projectCutoff,
  partitionName,
  retentionClassFor,
  windowContaining,
  windowsToEnsure,
} from './retention-classes';

describe('retention classes', () => {
  it('routes a retention to the smallest class that keeps it at least as long', () => {
    expect(retentionClassFor(1)).toBe(30);
    expect(retentionClassFor(30)).toBe(30);
    expect(retentionClassFor(31)).toBe(60);
    expect(retentionClassFor(365)).toBe(365);
    expect(retentionClassFor(400)).toBe(730);
    expect(retentionClassFor(99_999)).toBe(3650);
  });

  it('uses daily windows for short classes and wider, aligned windows for long ones', () => {
    const time = new Date('2026-03-15T13:45:00Z');
    const daily = windowContaining(30, time);
    expect(daily.start.toISOString()).toBe('2026-03-15T00:00:00.000Z');
    expect(daily.end.toISOString()).toBe('2026-03-16T00:00:00.000Z');
    expect(daily.name).toBe('decisions_r30_p20260315');
    const weekly = windowContaining(365, time);
    expect(weekly.end.getTime() - weekly.start.getTime()).toBe(7 * 86_400_000);
    expect(weekly.start.getTime()).toBeLessThanOrEqual(time.getTime());
    expect(weekly.end.getTime()).toBeGreaterThan(time.getTime());
  });

  it('reads a window back from its partition name and refuses names that are not ours', () => {
    const window = windowContaining(3650, new Date('2026-01-20T00:00:00Z'));
    expect(parsePartitionName(window.name)).toEqual(window);
    expect(parsePartitionName('decisions_r30_default')).toBeNull();
    expect(parsePartitionName('decisions_r31_p20260101')).toBeNull();
    // Not aligned to the class's width: not a name we would create.
    expect(parsePartitionName(partitionName(3650, new Date(window.start.getTime() + 86_400_000)))).toBeNull();
  });

  it('ensures windows from yesterday to the look-ahead', () => {
    const windows = windowsToEnsure(30, new Date('2026-03-15T10:00:00Z'), 7);
    expect(windows.map((w) => w.name)).toEqual([
      'decisions_r30_p20260314',
      'decisions_r30_p20260315',
      'decisions_r30_p20260316',
      'decisions_r30_p20260317',
      'decisions_r30_p20260318',
      'decisions_r30_p20260319',
      'decisions_r30_p20260320',
      'decisions_r30_p20260321',
      'decisions_r30_p20260322',
    ]);
  });

  it('expires a window only when its newest possible row is past the class retention', () => {
    const window = windowContaining(30, new Date('2026-03-15T00:00:00Z'));
    expect(isExpired(window, new Date('2026-04-14T23:59:59Z'))).toBe(false);
    expect(isExpired(window, new Date('2026-04-15T00:00:00Z'))).toBe(true);
  });

  it('sweeps every project whose partitions would outlive its retention by more than a day', () => {
    expect(needsSweep(30, 30)).toBe(false); // its class, daily partitions: the drop is within a day
    expect(needsSweep(90, 90)).toBe(false);
    expect(needsSweep(31, 60)).toBe(true); // rounded up to a longer class
    expect(needsSweep(365, 365)).toBe(true); // weekly windows
    expect(needsSweep(400, 730)).toBe(true);
    expect(needsSweep(5000, 3650)).toBe(true); // capped at the largest class (30-day windows)
    const now = new Date('2026-06-01T12:00:00Z');
    expect(projectCutoff(31, 60, now).toISOString()).toBe('2026-05-01T12:00:00.000Z');
    expect(projectCutoff(5000, 3650, now).getTime()).toBe(now.getTime() - 3650 * 86_400_000);
  });
});
