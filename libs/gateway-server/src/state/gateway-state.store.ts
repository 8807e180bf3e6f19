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
import {
  LARGE_POLICY_CONFIG_CHARS,
  PolicyCompileError,
  PolicyCompileWorker,
} from '../policy/compile-worker/policy-compile-worker';
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

type CompiledEntry = CompiledPolicy | typeof POLICY_UNAVAILABLE;

/**
 * The gateway's in-memory view of the compacted state topics (latest record per key; a tombstone
 * removes it). Reads on the hot path are plain Map lookups. Policy revisions are compiled when they
 * arrive, off the message callback (a macrotask after it), coalesced per project, so replaying a long
 * history compiles only the latest one; never on a request: a request made while a new revision is being
 * compiled uses the previous compiled revision, and one for a project whose first revision has not been
 * compiled yet gets 503 policy_unavailable (fail closed) rather than an unchecked pass.
 * Large revisions (config JSON of LARGE_POLICY_CONFIG_CHARS or more, e.g. a denylist of many thousand
 * terms) are compiled in a worker thread first: it builds the automata, the heavy part, and transfers
 * them; the main thread then compiles the same config adopting them (about 1/20 of the work). The
 * previous compiled revision serves until then.
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
  /** Large revisions in the worker, by project (the latest one sent; an older reply is dropped). */
  private readonly inWorker = new Map<string, PolicyStateRecord>();
  private readonly worker = new PolicyCompileWorker();
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
  }

  async onModuleDestroy(): Promise<void> {
    this.pendingPolicies.clear();
    this.inWorker.clear();
    await this.worker.close();
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

  /** The project's compiled policy, the configured default, or null (allow). Never compiles. */
  policyFor(projectId: string): CompiledPolicy | typeof POLICY_UNAVAILABLE | null {
    const entry = this.compiled.get(projectId);
    if (entry) return entry;
    // First revision, compiling (here or in the worker): fail closed.
    if (this.pendingPolicies.get(projectId) || this.inWorker.has(projectId)) return POLICY_UNAVAILABLE;
    return this.defaultPolicy;
  }

  onQuotaUpdate(listener: (projectId: string) => void): void {
    this.quotaListeners.push(listener);
  }

  /**
   * Compiles the pending policy records now (tests and the follower's catch-up use it to be
   * deterministic; otherwise it runs a macrotask after the records arrive).
   */
  compilePending(): void {
    this.compileScheduled = false;
    const pending = [...this.pendingPolicies];
    this.pendingPolicies.clear();
    for (const [projectId, record] of pending) {
      if (record === null) {
        this.policyRecords.delete(projectId);
        this.compiled.delete(projectId);
        this.inWorker.delete(projectId);
        continue;
      }
      this.policyRecords.set(projectId, record);
      if (isLarge(record) && !this.compiler.isCompiled(record)) {
        this.compileInWorker(projectId, record);
        continue;
      }
      this.inWorker.delete(projectId); // a newer, small revision supersedes one still in the worker
      this.compiled.set(
        projectId,
        this.compileRecord(projectId, record, this.compiled.get(projectId) ?? null),
      );
    }
  }

  /** Revisions being compiled in the worker thread (tests wait for 0). */
  get compilingInWorker(): number {
    return this.inWorker.size;
  }

  private compileInWorker(projectId: string, record: PolicyStateRecord): void {
    this.inWorker.set(projectId, record);
    const install = (prebuilt?: Parameters<PolicyCompiler['compile']>[1]) => {
      if (this.inWorker.get(projectId) !== record) return; // superseded or removed meanwhile
      this.inWorker.delete(projectId);
      this.compiled.set(
        projectId,
        this.compileRecord(projectId, record, this.compiled.get(projectId) ?? null, prebuilt),
      );
    };
    this.worker.scanTables(this.compiler.engineConfig(record)).then(install, (error: unknown) => {
      if (error instanceof PolicyCompileError) {
        if (this.inWorker.get(projectId) !== record) return;
        this.inWorker.delete(projectId);
        this.compiled.set(
          projectId,
          this.compileFailed(projectId, record, error, this.compiled.get(projectId) ?? null),
        );
        return;
      }
      // The worker itself failed (not the config): compile here rather than never.
      this.logger.warn(
        `policy compile worker failed (${error instanceof Error ? error.message : String(error)}); compiling on the main thread`,
      );
      install();
    });
  }

  /** Compiled policies kept in memory (for tests and metrics). */
  get compiledPolicies(): number {
    return this.compiled.size;
  }

  private compileRecord(
    projectId: string,
    record: PolicyStateRecord,
    previous: CompiledPolicy | typeof POLICY_UNAVAILABLE | null,
    prebuilt?: Parameters<PolicyCompiler['compile']>[1],
  ): CompiledPolicy | typeof POLICY_UNAVAILABLE {
    try {
      return this.compiler.compile(record, prebuilt);
    } catch (error) {
      return this.compileFailed(projectId, record, error, previous);
    }
  }

  private compileFailed(
    projectId: string,
    record: PolicyStateRecord,
    error: unknown,
    previous: CompiledPolicy | typeof POLICY_UNAVAILABLE | null,
  ): CompiledPolicy | typeof POLICY_UNAVAILABLE {
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

  private scheduleCompile(): void {
    if (this.compileScheduled) return;
    this.compileScheduled = true;
    setImmediate(() => this.compilePending());
  }
}

/** Whether a revision is compiled in the worker thread (see LARGE_POLICY_CONFIG_CHARS). */
function isLarge(record: PolicyStateRecord): boolean {
  return JSON.stringify(record.config ?? null).length >= LARGE_POLICY_CONFIG_CHARS;
}

function setOrDelete<T>(map: Map<string, T>, key: string, value: T | null): void {
  if (value === null) map.delete(key);
  else map.set(key, value);
}
