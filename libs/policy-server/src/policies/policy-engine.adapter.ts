import { Injectable } from '@nestjs/common';
import type { PolicyTarget } from '@pgw/contracts';
import { tryCompilePolicy } from '@pgw/policy-engine';

/**
 * The one place this service touches the policy engine: every revision is validated and compiled by
 * @pgw/policy-engine before it is stored or activated, and dry runs evaluate with the same compiled policy
 * the gateways will build from the published revision.
 */
export type CompileOutcome =
  { ok: true; compiled: CompiledPolicy } | { ok: false; message: string; path: string };

export interface DryRunDecision {
  decision: 'block' | 'redact' | 'flag' | 'allow';
  reason_code: string;
  triggered_categories: string[];
  allowlist_hits: number;
  denylist_hits: number;
}

export interface CompiledPolicy {
  evaluate(text: string, target: PolicyTarget): DryRunDecision;
}

@Injectable()
export class PolicyEngineAdapter {
  /** Validates and compiles a config; `path` names the offending field (`rules[2].action`, '' for the root). */
  compile(config: unknown): CompileOutcome {
    const result = tryCompilePolicy(config);
    if (!result.ok) {
      const first = result.errors[0] ?? { path: '', message: 'invalid policy' };
      return { ok: false, message: first.message, path: first.path };
    }
    const policy = result.policy;
    return {
      ok: true,
      compiled: {
        // Metadata only: the (possibly redacted) text and the finding offsets never leave the engine here.
        evaluate: (text, target) => {
          const { metadata } = policy.evaluate(text, { target });
          return {
            decision: metadata.decision,
            reason_code: metadata.reason_code,
            triggered_categories: [...metadata.triggered_categories],
            allowlist_hits: metadata.allowlist_hits,
            denylist_hits: metadata.denylist_hits,
          };
        },
      },
    };
  }
}
