import { MemoryRateLimiter, outcomeFrom, type LimitSpec } from './rate-limiter';
import { formatDuration } from './request-limits';

describe('GCRA limits', () => {
  const req = (id: string, perMinute: number): LimitSpec => ({ id, perMinute, cost: 1, kind: 'requests' });

  afterEach(() => jest.useRealTimers());

  it('admits a minute of burst, then refuses with a retry time, and refills smoothly', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const limiter = new MemoryRateLimiter();
    for (let i = 0; i < 6; i++) expect(limiter.check([req('k', 6)]).allowed).toBe(true);
    const refused = limiter.check([req('k', 6)]);
    expect(refused).toMatchObject({ allowed: false, exceeded: 'requests' });
    expect(refused.retryAfterMs).toBe(10_000); // one request every 10 s
    jest.setSystemTime(1_000_000 + 10_000);
    expect(limiter.check([req('k', 6)]).allowed).toBe(true);
    expect(limiter.check([req('k', 6)]).allowed).toBe(false);
  });

  it('charges nothing unless every limit admits (key and project together)', () => {
    jest.useFakeTimers({ now: 5_000_000 });
    const limiter = new MemoryRateLimiter();
    expect(limiter.check([req('key', 100), req('project', 1)]).allowed).toBe(true);
    expect(limiter.check([req('key', 100), req('project', 1)]).allowed).toBe(false);
    // The refused request did not use up the key's allowance.
    expect(limiter.check([req('key', 100)]).requests).toMatchObject({ limit: 100, remaining: 98 });
  });

  it('reports the tightest limit per kind for the headers', () => {
    const outcome = outcomeFrom(
      [req('a', 10), req('b', 100), { id: 't', perMinute: 1_000, cost: 250, kind: 'tokens' }],
      [0, 0, 0],
    );
    expect(outcome.requests).toMatchObject({ limit: 10, remaining: 9 });
    expect(outcome.tokens).toMatchObject({ limit: 1_000, remaining: 750, resetMs: 15_000 });
  });

  it('refuses a request that costs more than the whole limit, with a full window to wait', () => {
    const outcome = outcomeFrom([{ id: 't', perMinute: 100, cost: 500, kind: 'tokens' }], [0]);
    expect(outcome).toMatchObject({ allowed: false, exceeded: 'tokens', retryAfterMs: 60_000 });
  });

  it('charges or refunds the difference after the response', () => {
    jest.useFakeTimers({ now: 9_000_000 });
    const limiter = new MemoryRateLimiter();
    const tokens = (cost: number): LimitSpec => ({ id: 't', perMinute: 600, cost, kind: 'tokens' });
    expect(limiter.check([tokens(100)]).allowed).toBe(true);
    limiter.adjust([{ id: 't', perMinute: 600, delta: 400 }]);
    expect(limiter.check([tokens(200)]).allowed).toBe(false);
    limiter.adjust([{ id: 't', perMinute: 600, delta: -300 }]);
    expect(limiter.check([tokens(200)]).allowed).toBe(true);
  });

  it('formats durations as OpenAI does', () => {
    expect(formatDuration(120)).toBe('120ms');
    expect(formatDuration(1_500)).toBe('1.5s');
    expect(formatDuration(360_000)).toBe('6m0s');
  });
});
