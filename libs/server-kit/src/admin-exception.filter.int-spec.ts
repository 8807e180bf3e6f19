import type { ArgumentsHost } from '@nestjs/common';
import { Client } from 'pg';
import { AdminExceptionFilter, isDatabaseUnavailable } from './admin-exception.filter';

/** What Postgres and the pg driver really throw, down and up. */
async function errorOf(connectionString: string, sql: string): Promise<unknown> {
  const client = new Client({ connectionString, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query(sql);
    return null;
  } catch (error) {
    return error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function answer(filter: AdminExceptionFilter, error: unknown) {
  const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
  const reply = {
    status: (code: number) => ((sent.status = code), reply),
    header: (name: string, value: string) => ((sent.headers[name] = value), reply),
    send: (body: unknown) => void (sent.body = body),
  };
  const host = { switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ArgumentsHost;
  filter.catch(error, host);
  return sent;
}

describe('AdminExceptionFilter and an unreachable database', () => {
  it('answers 503 service_unavailable with Retry-After when Postgres does not answer', async () => {
    const down = await errorOf('postgres://postgres@127.0.0.1:1/postgres', 'SELECT 1');
    expect(isDatabaseUnavailable(down)).toBe(true);
    const sent = answer(new AdminExceptionFilter(), down);
    expect(sent.status).toBe(503);
    expect(sent.headers['retry-after']).toBe('5');
    expect(sent.body).toEqual({
      error: { message: expect.any(String), type: 'api_error', param: null, code: 'service_unavailable' },
    });
  });

  it('keeps a bad query a 500 (a bug, not an outage)', async () => {
    const bad = await errorOf('postgres://postgres@127.0.0.1:5432/postgres', "SELECT 'x'::uuid");
    expect(bad).not.toBeNull();
    expect(isDatabaseUnavailable(bad)).toBe(false);
    expect(answer(new AdminExceptionFilter(), bad).status).toBe(500);
  });
});
