import { encodeCursor, isStorableTimestamp, readCursor } from '@pgw/server-kit';

/** Cursor of listings ordered by (created_at DESC, id DESC). created_at is written from JS (ms precision). */
export interface KeysetCursor {
  createdAt: Date;
  id: string;
}

/** `null` without a cursor; a cursor this API did not write is a 400 (it used to mean "first page"). */
export function readKeysetCursor(cursor: string | undefined): KeysetCursor | null {
  return readCursor(cursor, (value) => {
    const { c, i } = (value ?? {}) as { c?: unknown; i?: unknown };
    if (!isStorableTimestamp(c) || typeof i !== 'string' || i.length > 64) return undefined;
    return { createdAt: new Date(c), id: i };
  });
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
