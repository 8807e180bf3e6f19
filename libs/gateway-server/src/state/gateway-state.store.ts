import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  TOPICS,
  type KeyStateRecord,
  type PolicyStateRecord,
  type ProjectStateRecord,
  type QuotaStateRecord,
} from '@pgw/contracts';
import type { IncomingMessage } from '@pgw/messaging';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway-server.options';
import { PolicyCompiler } from '../policy/policy-engine.adapter';
import type { CompiledPolicy } from '../policy/policy-port';

export interface ActivePolicy {
  record: PolicyStateRecord;
  /** null until compiled, or when this revision failed to compile (the previous good one stays active). */
  compiled: CompiledPolicy | null;
}

/** A project whose only revision failed to compile: requests get 503 rather than an unchecked pass. */
export const POLICY_UNAVAILABLE = Symbol('POLICY_UNAVAILABLE');

export const STATE_TOPICS = [TOPICS.keyState, TOPICS.projectState, TOPICS.policyState, TOPICS.quotaState];

/** A compiled policy and the sweep epoch in which a request last used it. */
interface CompiledEntry {
  policy: CompiledPolicy | typeof POLICY_UNAVAILABLE;
  usedEpoch: number;
}

/** How often idle compiled policies are looked for, and after how many idle sweeps they are dropped. */
const SWEEP_MS = 60_000;
const IDLE_SWEEPS = 10;

/**
 * The gateway's in-memory view of the compacted state topics (latest record per key; a tombstone
 * removes it). Reads on the hot path are plain Map lookups. Policy revisions are compiled off the
 * message callback, coalesced per project, so replaying a long history compiles only the latest one.
 * A compiled policy (detector tables, denylist automaton: megabytes) is kept only for projects that get
 * traffic here: a project's policy is compiled on its first request, recompiled in the background when a
 * new revision arrives while it is in use, and dropped after ~10 minutes without requests (the record
 * stays, so the next request compiles it again). Resident memory follows the active projects, not
 * every project ever published.
 */
@Injectable()
export class GatewayStateStore implements OnModuleDestroy {
  private readonly logger = new Logger('GatewayState');
  readonly keys = new Map<string, KeyStateRecord>();
  readonly projects = new Map<string, ProjectStateRecord>();
  readonly quotas = new Map<string, QuotaStateRecord>();
  private readonly policyRecords = new Map<string, PolicyStateRecord>();
  private readonly compiled = new Map<string, CompiledEntry>();
  private readonly pendingPolicies = new Map<string, PolicyStateRecord | null>();
  private epoch = 0;
  private readonly sweepTimer: NodeJS.Timeout;
  private compileScheduled = false;
  private readonly quotaListeners: ((projectId: string) => void)[] = [];
  private defaultPolicy: CompiledPolicy | null = null;
  /**
   * True once the state topics were read up to where they stood when the follower started (set by the
   * StateFollower, never reset: a later Kafka outage keeps serving the last-known state).
   */
  loaded = false;
  /** Counts revisions that did not compile (exported as a metric). */
  policyCompileFailures = 0;

  constructor(
    private readonly compiler: PolicyCompiler,
    @Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions,
  ) {
    if (options.defaultPolicy !== undefined && options.defaultPolicy !== null) {
      this.defaultPolicy = compiler.compile({
        project_id: '*',
        policy_id: 'default',
        revision: 0,
        rollout_mode: 'enforce',
        canary_percent: 100,
        config: options.defaultPolicy,
        activated_at: new Date(0).toISOString(),
      });
    }
    this.sweepTimer = setInterval(() => this.sweepIdlePolicies(), SWEEP_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  /** The follower's callback: must not throw. */
  apply(message: IncomingMessage): void {
    const key = message.key;
    if (key === null) return;
    let value: unknown = null;
    if (message.value !== null) {
      try {
        value = JSON.parse(message.value.toString('utf8'));
      } catch {
        this.logger.warn(`ignoring unreadable record on ${message.topic} (key ${key})`);
        return;
      }
    }
    switch (message.topic) {
      case TOPICS.keyState:
        setOrDelete(this.keys, key, value as KeyStateRecord | null);
        break;
      case TOPICS.projectState:
        setOrDelete(this.projects, key, value as ProjectStateRecord | null);
        break;
      case TOPICS.quotaState:
        setOrDelete(this.quotas, key, value as QuotaStateRecord | null);
        for (const listener of this.quotaListeners) listener(key);
        break;
      case TOPICS.policyState:
        this.pendingPolicies.set(key, value as PolicyStateRecord | null);
        this.scheduleCompile();
        break;
    }
  }

  /** The project's active policy, the configured default, or null (allow). */
  policyFor(projectId: string): CompiledPolicy | typeof POLICY_UNAVAILABLE | null {
    const entry = this.compiled.get(projectId);
    if (entry) {
      entry.usedEpoch = this.epoch;
      return entry.policy;
    }
    const record = this.policyRecords.get(projectId);
    if (!record) return this.defaultPolicy;
    // First request of this project on this replica: compile now (once), then it stays warm while used.
    const compiled = this.compileRecord(projectId, record, null);
    this.compiled.set(projectId, { policy: compiled, usedEpoch: this.epoch });
    return compiled;
  }

  onQuotaUpdate(listener: (projectId: string) => void): void {
    this.quotaListeners.push(listener);
  }

  /**
   * Applies the pending policy records now (tests and the follower's catch-up use it to be deterministic):
   * projects in use here get the new revision compiled at once, the others when they are next used.
   */
  compilePending(): void {
    this.compileScheduled = false;
    const pending = [...this.pendingPolicies];
    this.pendingPolicies.clear();
    for (const [projectId, record] of pending) {
      if (record === null) {
        this.policyRecords.delete(projectId);
        this.compiled.delete(projectId);
        continue;
      }
      this.policyRecords.set(projectId, record);
      const entry = this.compiled.get(projectId);
      if (entry) entry.policy = this.compileRecord(projectId, record, entry.policy);
    }
  }

  /** Compiled policies kept in memory (for tests and metrics). */
  get compiledPolicies(): number {
    return this.compiled.size;
  }

  private compileRecord(
    projectId: string,
    record: PolicyStateRecord,
    previous: CompiledPolicy | typeof POLICY_UNAVAILABLE | null,
  ): CompiledPolicy | typeof POLICY_UNAVAILABLE {
    try {
      return this.compiler.compile(record);
    } catch (error) {
      // Keep the last good revision (fail closed if there is none): the policy service validates before
      // activating, so this is version skew between services, not a user mistake.
      this.policyCompileFailures++;
      this.logger.error(
        `policy ${record.policy_id} rev ${record.revision} of project ${projectId} does not compile: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      return previous ?? POLICY_UNAVAILABLE;
    }
  }

  private sweepIdlePolicies(): void {
    this.epoch++;
    for (const [projectId, entry] of this.compiled) {
      if (this.epoch - entry.usedEpoch > IDLE_SWEEPS) this.compiled.delete(projectId);
    }
  }

  private scheduleCompile(): void {
    if (this.compileScheduled) return;
    this.compileScheduled = true;
    setImmediate(() => this.compilePending());
  }
}

function setOrDelete<T>(map: Map<string, T>, key: string, value: T | null): void {
  if (value === null) map.delete(key);
  else map.set(key, value);
}
