import { decodeCursor, encodeCursor } from '@pgw/server-kit';

/** Cursor of listings ordered by (created_at DESC, id DESC). created_at is written from JS (ms precision). */
export interface KeysetCursor {
  createdAt: Date;
  id: string;
}

export function readKeysetCursor(cursor: string | undefined): KeysetCursor | null {
  const value = decodeCursor<{ c?: unknown; i?: unknown }>(cursor);
  if (!value || typeof value.c !== 'string' || typeof value.i !== 'string') return null;
  const createdAt = new Date(value.c);
  return Number.isNaN(createdAt.getTime()) ? null : { createdAt, id: value.i };
}

export function writeKeysetCursor(row: { created_at: Date; id: string }): string {
  return encodeCursor({ c: row.created_at.toISOString(), i: row.id });
}

/** Takes `limit + 1` fetched rows and makes the page. */
export function toPage<R extends { created_at: Date; id: string }, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
): { data: T[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  return {
    data: page.map(map),
    next_cursor: rows.length > limit ? writeKeysetCursor(page[page.length - 1]) : null,
  };
}
