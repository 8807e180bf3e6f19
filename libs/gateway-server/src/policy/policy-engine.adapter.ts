import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { PolicyStateRecord, PolicyTarget } from '@pgw/contracts';
import {
  compilePolicy,
  type CompiledPolicy as EngineCompiledPolicy,
  type DecisionMetadata,
  type PrebuiltScans,
  MatchBudgetExceededError,
  StreamHoldLimitExceededError,
  type StreamRedactor,
} from '@pgw/policy-engine';
import { GatewayError } from '../errors/gateway-error';
import {
  ALLOW,
  MEDIA_BLOCKED,
  type CompiledPolicy,
  type PolicyOutcome,
  type TextRedactor,
  type TextSegment,
} from './policy-port';

/**
 * The ONLY file that knows @pgw/policy-engine's API: compiles a PolicyStateRecord into the gateway's
 * policy port. The record's rollout (rollout_mode, canary_percent: what the policy service activated)
 * overrides whatever rollout the revision's config carries, so the audit record and the traffic agree.
 */
/** Distinct compiled configs kept for reuse (oldest dropped first). */
const COMPILE_CACHE_ENTRIES = 256;

@Injectable()
export class PolicyCompiler {
  /**
   * Compiled engine policies by config digest: projects on the same config (every project starts on the
   * default policy) share one immutable compiled policy instead of compiling it again on each revision
   * and at every gateway start.
   */
  private readonly cache = new Map<string, EngineCompiledPolicy>();

  /**
   * Compiles a revision. `prebuilt` are the scan tables a worker thread built from the same config
   * (`engineConfig(record)`): adopted instead of built, which keeps a large denylist off the event loop.
   */
  compile(record: PolicyStateRecord, prebuilt?: PrebuiltScans): CompiledPolicy {
    const config = this.engineConfig(record);
    const digest = digestOf(config);
    let engine = this.cache.get(digest);
    if (!engine) {
      engine = compilePolicy(config, prebuilt ? { prebuiltScans: prebuilt } : {});
      if (this.cache.size >= COMPILE_CACHE_ENTRIES)
        this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(digest, engine);
    }
    return new EnginePolicy(record.policy_id, engine);
  }

  /** Whether compiling this revision is a cache hit (no work). */
  isCompiled(record: PolicyStateRecord): boolean {
    return this.cache.has(digestOf(this.engineConfig(record)));
  }

  /** The config the engine compiles: the revision's, with the rollout the policy service activated. */
  engineConfig(record: PolicyStateRecord): Record<string, unknown> {
    const config = record.config as Record<string, unknown>;
    return {
      ...config,
      rollout:
        record.rollout_mode === 'canary'
          ? { mode: 'canary', percentage: record.canary_percent }
          : { mode: record.rollout_mode },
    };
  }
}

class EnginePolicy implements CompiledPolicy {
  readonly rolloutMode;
  private readonly alterableOutput: boolean;

  constructor(
    readonly policyId: string,
    private readonly engine: EngineCompiledPolicy,
  ) {
    this.rolloutMode = engine.rolloutMode;
    this.alterableOutput = engine.rules.some(
      (rule) => rule.target !== 'input' && (rule.action === 'redact' || rule.action === 'block'),
    );
  }

  outputAlterable(bucketKey: string): boolean {
    return this.alterableOutput && this.engine.isEnforced(bucketKey);
  }

  mediaOutcome(bucketKey: string): PolicyOutcome | null {
    if (this.engine.mediaMode !== 'block') return null;
    return {
      decision: 'block',
      reasonCode: MEDIA_BLOCKED.reasonCode,
      categories: [MEDIA_BLOCKED.category],
      allowlistHits: 0,
      denylistHits: 0,
      enforced: this.engine.isEnforced(bucketKey),
    };
  }

  evaluate(
    segments: readonly TextSegment[],
    target: PolicyTarget,
    bucketKey: string,
  ): { outcome: PolicyOutcome; texts: string[] } {
    return failClosed(() => this.evaluateAll(segments, target, bucketKey));
  }

  private evaluateAll(
    segments: readonly TextSegment[],
    target: PolicyTarget,
    bucketKey: string,
  ): { outcome: PolicyOutcome; texts: string[] } {
    if (segments.length === 0)
      return { outcome: { ...ALLOW, enforced: this.engine.isEnforced(bucketKey) }, texts: [] };
    // The port's roles are the engine's: a role the engine does not know would not compile here.
    const result = this.engine.evaluateSegments(segments, { target, bucketKey });
    return { outcome: toOutcome(result.metadata), texts: [...result.texts] };
  }

  streamRedactor(target: PolicyTarget, bucketKey: string): TextRedactor {
    // Streamed text is always the completion: the assistant wrote it.
    const role = target === 'output' ? 'assistant' : undefined;
    return new EngineStreamRedactor(this.engine.createStreamRedactor({ target, bucketKey, role }));
  }
}

class EngineStreamRedactor implements TextRedactor {
  constructor(private readonly inner: StreamRedactor) {}

  push(text: string): string {
    return failClosed(() => this.inner.push(text));
  }

  end(): string {
    return failClosed(() => this.inner.end());
  }

  get blocked(): boolean {
    return this.inner.blocked;
  }

  outcome(): PolicyOutcome {
    return toOutcome(this.inner.metadata());
  }
}

const digestOf = (config: unknown): string =>
  createHash('sha256').update(JSON.stringify(config)).digest('base64');

function toOutcome(metadata: DecisionMetadata): PolicyOutcome {
  return {
    decision: metadata.decision,
    reasonCode: metadata.reason_code,
    categories: metadata.triggered_categories as string[],
    allowlistHits: metadata.allowlist_hits,
    denylistHits: metadata.denylist_hits,
    enforced: metadata.enforced,
  };
}

/**
 * The engine's work budget ran out (a 400), or a stream would need more held back than its limit (the
 * stream ends with an error event): either way nothing unchecked is forwarded.
 */
function failClosed<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    if (e instanceof MatchBudgetExceededError) {
      throw new GatewayError('policy_match_budget_exceeded', e.message, null, { code: e.code });
    }
    if (e instanceof StreamHoldLimitExceededError) {
      throw new GatewayError('stream_hold_limit_exceeded', `The response was ended: ${e.message}.`);
    }
    throw e;
  }
}
