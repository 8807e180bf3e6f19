import { effectiveLimits, findLoosenedLimit, NO_LIMITS } from './limit-rules';

describe('limit rules', () => {
  const plan = { requests_per_minute: 60, tokens_per_minute: 60_000 };

  it('uses the plan defaults when the project sets nothing', () => {
    expect(effectiveLimits(plan, NO_LIMITS)).toEqual(plan);
  });

  it('lets a project tighten, never loosen', () => {
    expect(effectiveLimits(plan, { requests_per_minute: 10, tokens_per_minute: null })).toEqual({
      requests_per_minute: 10,
      tokens_per_minute: 60_000,
    });
    expect(effectiveLimits(plan, { requests_per_minute: 1_000, tokens_per_minute: 1 })).toEqual({
      requests_per_minute: 60,
      tokens_per_minute: 1,
    });
  });

  it('treats a null ceiling as unlimited', () => {
    expect(effectiveLimits(NO_LIMITS, { requests_per_minute: 5, tokens_per_minute: null })).toEqual({
      requests_per_minute: 5,
      tokens_per_minute: null,
    });
    expect(
      findLoosenedLimit(NO_LIMITS, { requests_per_minute: 1e9, tokens_per_minute: 1e9 }, 'limits', 'x'),
    ).toBeNull();
  });

  it('names the first loosened field', () => {
    expect(
      findLoosenedLimit(plan, { requests_per_minute: 60, tokens_per_minute: 60_000 }, 'limits', 'plan'),
    ).toBeNull();
    expect(
      findLoosenedLimit(plan, { requests_per_minute: null, tokens_per_minute: 60_001 }, 'key_limits', 'plan'),
    ).toEqual({
      param: 'key_limits.tokens_per_minute',
      message: expect.stringContaining('exceeds the plan (60000)'),
    });
    expect(
      findLoosenedLimit(plan, { requests_per_minute: 61, tokens_per_minute: 1 }, 'limits', 'plan')?.param,
    ).toBe('limits.requests_per_minute');
  });
});
