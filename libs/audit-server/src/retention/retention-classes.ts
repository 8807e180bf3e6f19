/**
 * Retention classes: audit rows are routed by their project's retention into a small, fixed set of
 * buckets (`retention_class` = days), and each bucket is range-partitioned by time. A bucket's time
 * partition is dropped once every row in it is older than the bucket's days, so a partition is never shared
 * by rows that must live for different lengths of time, and purging never needs a DELETE.
 *
 * The list is mirrored by the migration that creates the LIST partitions; adding a class means a new
 * migration that creates its partition.
 */
export const RETENTION_CLASSES = [30, 60, 90, 180, 365, 730, 1095, 1825, 3650] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

export const DEFAULT_RETENTION_CLASS: RetentionClass = 30;

const DAY_MS = 86_400_000;

/** The smallest class that keeps rows at least `retentionDays` (capped at the largest class). */
export function retentionClassFor(retentionDays: number): RetentionClass {
  for (const retentionClass of RETENTION_CLASSES) {
    if (retentionDays <= retentionClass) return retentionClass;
  }
  return RETENTION_CLASSES[RETENTION_CLASSES.length - 1];
}

export function isRetentionClass(value: number): value is RetentionClass {
  return (RETENTION_CLASSES as readonly number[]).includes(value);
}

/**
 * Width of one time partition, in days. Short classes are daily (precise purge); long ones use wider
 * partitions so a ten-year class holds ~120 partitions instead of 3,650. A row is kept at most one width
 * longer than its class (never shorter).
 */
export function partitionWidthDays(retentionClass: RetentionClass): number {
  if (retentionClass <= 90) return 1;
  if (retentionClass <= 365) return 7;
  return 30;
}

/** A time partition of one class: [start, end) in UTC, aligned to whole widths since the Unix epoch. */
export interface PartitionWindow {
  retentionClass: RetentionClass;
  start: Date;
  end: Date;
  name: string;
}

export const epochDay = (time: Date): number => Math.floor(time.getTime() / DAY_MS);

export function windowContaining(retentionClass: RetentionClass, time: Date): PartitionWindow {
  const width = partitionWidthDays(retentionClass);
  const startDay = Math.floor(epochDay(time) / width) * width;
  return windowFromStartDay(retentionClass, startDay);
}

function windowFromStartDay(retentionClass: RetentionClass, startDay: number): PartitionWindow {
  const start = new Date(startDay * DAY_MS);
  const end = new Date((startDay + partitionWidthDays(retentionClass)) * DAY_MS);
  return { retentionClass, start, end, name: partitionName(retentionClass, start) };
}

export const classTableName = (retentionClass: RetentionClass): string => `decisions_r${retentionClass}`;
export const defaultPartitionName = (retentionClass: RetentionClass): string =>
  `decisions_r${retentionClass}_default`;

export function partitionName(retentionClass: RetentionClass, start: Date): string {
  return `decisions_r${retentionClass}_p${start.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

const PARTITION_NAME = /^decisions_r(\d+)_p(\d{4})(\d{2})(\d{2})$/;

/** Reads a partition's window back from its name (names are ours; anything else is not ours to drop). */
export function parsePartitionName(name: string): PartitionWindow | null {
  const match = PARTITION_NAME.exec(name);
  if (!match) return null;
  const retentionClass = Number(match[1]);
  if (!isRetentionClass(retentionClass)) return null;
  const start = new Date(`${match[2]}-${match[3]}-${match[4]}T00:00:00Z`);
  if (Number.isNaN(start.getTime())) return null;
  const window = windowContaining(retentionClass, start);
  return window.name === name ? window : null;
}

/** Windows to have in place from yesterday (late events) up to `daysAhead` days from now. */
export function windowsToEnsure(
  retentionClass: RetentionClass,
  now: Date,
  daysAhead: number,
): PartitionWindow[] {
  const windows: PartitionWindow[] = [];
  let window = windowContaining(retentionClass, new Date(now.getTime() - DAY_MS));
  const last = new Date(now.getTime() + daysAhead * DAY_MS);
  while (window.start.getTime() <= last.getTime()) {
    windows.push(window);
    window = windowContaining(retentionClass, window.end);
  }
  return windows;
}

/** The oldest instant a row of this class must still be kept at `now`. */
export const retentionCutoff = (retentionClass: RetentionClass, now: Date): Date =>
  new Date(now.getTime() - retentionClass * DAY_MS);

/**
 * Whether dropping whole partitions alone removes a project's rows within a day of their retention: only
 * when its retention is its class's and the class is partitioned daily (the maintenance run at each UTC
 * midnight drops the day that just expired). Every other project is swept to its exact retention.
 */
export const needsSweep = (retentionDays: number, retentionClass: RetentionClass): boolean =>
  Math.min(retentionDays, retentionClass) < retentionClass || partitionWidthDays(retentionClass) > 1;

/** The oldest instant a project's row must still be kept at `now` (its days, within its class's). */
export const projectCutoff = (retentionDays: number, retentionClass: RetentionClass, now: Date): Date =>
  new Date(now.getTime() - Math.min(retentionDays, retentionClass) * DAY_MS);

/** A window can be dropped when even its newest possible row is past the class's retention. */
export const isExpired = (window: PartitionWindow, now: Date): boolean =>
  window.end.getTime() <= retentionCutoff(window.retentionClass, now).getTime();
