import { Type } from 'class-transformer';
import { AdminApiException } from './admin-api.exception';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** Cursor pagination for admin listings: `?limit=50&cursor=<opaque>`; the response carries `next_cursor`. */
export class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export const encodeCursor = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

export function decodeCursor<T>(cursor: string | undefined): T | null {
  if (!cursor) return null;
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}

/** The one answer to a cursor this API did not hand out (or one altered by hand): a 400 naming `cursor`. */
export const invalidCursor = (): AdminApiException =>
  new AdminApiException('invalid_request', 'cursor is not a cursor this API returned', 'cursor');

/**
 * A cursor's content when `cursor` was sent (`null` when it was not); a cursor that is not base64url JSON
 * or that `read` refuses (returns undefined) is a 400, never silently the first page.
 */
export function readCursor<T>(cursor: string | undefined, read: (value: unknown) => T | undefined): T | null {
  if (cursor === undefined) return null;
  const value = cursor === '' ? undefined : read(decodeCursor<unknown>(cursor));
  if (value === undefined) throw invalidCursor();
  return value;
}
