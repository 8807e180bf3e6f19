import { compilePolicy } from '../compile/compile-policy';
import { defaultPolicyConfig } from '../presets/default-policy';
import type { PolicyConfigInput } from '../schema/policy-config.types';
import { DEFAULT_STREAM_HOLD_LIMIT, StreamHoldLimitExceededError } from './stream-hold-limit';

/** Pushes `head` then `unit` until `total` characters; what came out, and the error if one ended it. */
function stream(
  redactor: { push(chunk: string): string; readonly heldBack: number },
  head: string,
  unit: string,
  total: number,
): { released: string; maxHeld: number; error: unknown } {
  let released = redactor.push(head);
  let maxHeld = redactor.heldBack;
  try {
    for (let sent = head.length; sent < total; sent += unit.length) {
      released += redactor.push(unit);
      maxHeld = Math.max(maxHeld, redactor.heldBack);
    }
  } catch (error) {
    return { released, maxHeld, error };
  }
  return { released, maxHeld, error: null };
}

describe('stream redactor hold-back limit', () => {
  it('keeps a never-ending run of digits bounded by the longest match (default policy)', () => {
    const policy = compilePolicy(defaultPolicyConfig());
    const { maxHeld, released, error } = stream(
      policy.createStreamRedactor({ target: 'output' }),
      '',
      '1234567890',
      300_000,
    );
    expect(error).toBeNull();
    expect(maxHeld).toBeLessThan(policy.maxMatchLength);
    expect(released.length).toBeGreaterThan(300_000 - policy.maxMatchLength);
  });

  it('fails closed when a never-closing candidate would have to be held past the limit', () => {
    // A private-key header followed by base64 without end: the detector keeps the whole block undecided.
    const policy = compilePolicy(
      {
        version: 1,
        rules: [{ id: 'pem', category: 'secret.private_key', target: 'output', action: 'redact' }],
      },
      { streamHoldLimit: 2_000 },
    );
    const { released, maxHeld, error } = stream(
      policy.createStreamRedactor({ target: 'output' }),
      'here: -----BEGIN RSA PRIVATE KEY-----\n',
      'MIIEowIBAAKCAQEA',
      100_000,
    );
    expect(error).toBeInstanceOf(StreamHoldLimitExceededError);
    expect((error as StreamHoldLimitExceededError).code).toBe('stream_hold_limit_exceeded');
    expect(maxHeld).toBeLessThanOrEqual(2_000 + 16);
    // Nothing of the undecided block was released.
    expect(released).not.toContain('MIIE');
  });

  it('fails closed in buffer mode past the default limit, and keeps shadow mode flowing', () => {
    const config: PolicyConfigInput = {
      version: 1,
      streaming: { mode: 'buffer' },
      rules: [{ id: 'cards', category: 'pii.card', target: 'output', action: 'redact' }],
    };
    const enforced = stream(
      compilePolicy(config).createStreamRedactor({ target: 'output' }),
      '',
      'x'.repeat(1000),
      DEFAULT_STREAM_HOLD_LIMIT + 10_000,
    );
    expect(enforced.error).toBeInstanceOf(StreamHoldLimitExceededError);
    expect(enforced.released).toBe('');
    expect(enforced.maxHeld).toBeLessThanOrEqual(DEFAULT_STREAM_HOLD_LIMIT);

    const shadow = compilePolicy({ ...config, rollout: { mode: 'shadow' } }).createStreamRedactor({
      target: 'output',
    });
    const passed = stream(shadow, '', 'y'.repeat(1000), DEFAULT_STREAM_HOLD_LIMIT + 10_000);
    expect(passed.error).toBeNull();
    expect(passed.released.length).toBeGreaterThanOrEqual(DEFAULT_STREAM_HOLD_LIMIT + 10_000);
  });
});

describe('stream hold-back limit with role plans', () => {
  it("applies to the assistant's own plan when rules are limited to roles", () => {
    const policy = compilePolicy(
      {
        version: 1,
        rules: [
          {
            id: 'pem',
            category: 'secret.private_key',
            target: 'both',
            action: 'redact',
            roles: ['assistant', 'user'],
          },
          {
            id: 'deny',
            category: 'denylist.t',
            target: 'both',
            action: 'redact',
            terms: ['x'],
            roles: ['tool'],
          },
        ],
      },
      { streamHoldLimit: 2_000 },
    );
    const { released, error } = stream(
      policy.createStreamRedactor({ target: 'output', role: 'assistant' }),
      'here: -----BEGIN RSA PRIVATE KEY-----\n',
      'MIIEowIBAAKCAQEA',
      100_000,
    );
    expect(error).toBeInstanceOf(StreamHoldLimitExceededError);
    expect(released).not.toContain('MIIE');
  });
});
