import { Inject, Injectable, Logger } from '@nestjs/common';
import { DEFAULT_AUDIT_RETENTION_DAYS, PLANS, TOPICS, type PlanDefinition } from '@pgw/contracts';
import {
  EVENT_BUS,
  retryUntilSuccess,
  type EventBus,
  type FollowSubscription,
  type IncomingMessage,
  describeError,
} from '@pgw/messaging';
import { ProjectRetentionRepository, type ProjectRetention } from '../retention/project-retention.repository';
import {
  DEFAULT_RETENTION_CLASS,
  retentionClassFor,
  type RetentionClass,
} from '../retention/retention-classes';
import { decodeProjectSettings } from './state-record.decode';

/**
 * Each project's plan and audit retention, followed from the project state topic into memory and
 * mirrored into `audit.project_retention` (so a restart routes rows correctly before the topic is re-read).
 */
@Injectable()
export class ProjectStateStore {
  private readonly logger = new Logger(ProjectStateStore.name);
  private readonly projects = new Map<string, ProjectRetention>();
  private readonly classChangeListeners = new Set<() => void>();
  private subscription: FollowSubscription | null = null;
  private persisting: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly repository: ProjectRetentionRepository,
  ) {}

  /** Loads the persisted copy, then follows the topic; resolves once caught up (or after `timeoutMs`). */
  async start(timeoutMs: number): Promise<void> {
    for (const retention of await this.repository.loadAll())
      this.projects.set(retention.projectId, retention);
    this.subscription = await this.bus.follow({
      topics: [TOPICS.projectState],
      onMessage: (message) => this.apply(message),
    });
    await waitAtMost(this.subscription.caughtUp, timeoutMs, () =>
      this.logger.warn(
        `project state not caught up after ${timeoutMs} ms; using the persisted copy meanwhile`,
      ),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.persisting;
  }

  retentionClassOf(projectId: string): RetentionClass {
    return this.projects.get(projectId)?.retentionClass ?? DEFAULT_RETENTION_CLASS;
  }

  /** The project's plan, or null for a project audit has never heard of. */
  planOf(projectId: string): PlanDefinition | null {
    const project = this.projects.get(projectId);
    return project ? PLANS[project.plan] : null;
  }

  onClassChange(listener: () => void): void {
    this.classChangeListeners.add(listener);
  }

  /** Resolves when every state change seen so far is persisted. */
  settled(): Promise<void> {
    return this.persisting;
  }

  private apply(message: IncomingMessage): void {
    if (message.value === null) {
      if (message.key === null || !this.projects.delete(message.key)) return;
      const projectId = message.key;
      this.persist(() => this.repository.remove(projectId), false);
      return;
    }
    const settings = decodeProjectSettings(message.value);
    if (!settings) {
      this.logger.warn(
        `ignored an unreadable project state record at ${message.partition}:${message.offset}`,
      );
      return;
    }
    const plan = PLANS[settings.plan];
    // The plan caps retention; below the default the documented 30 days still apply.
    const retentionDays = Math.max(
      DEFAULT_AUDIT_RETENTION_DAYS,
      Math.min(settings.auditRetentionDays, plan.max_audit_retention_days),
    );
    const next: ProjectRetention = {
      projectId: settings.projectId,
      plan: settings.plan,
      retentionDays,
      retentionClass: retentionClassFor(retentionDays),
    };
    const previous = this.projects.get(next.projectId);
    this.projects.set(next.projectId, next);
    if (previous && previous.plan === next.plan && previous.retentionDays === next.retentionDays) return;
    const classChanged = (previous?.retentionClass ?? DEFAULT_RETENTION_CLASS) !== next.retentionClass;
    this.persist(() => this.repository.save(next), classChanged);
  }

  private persist(write: () => Promise<void>, notify: boolean): void {
    this.persisting = this.persisting.then(async () => {
      await retryUntilSuccess(
        write,
        () => this.stopped,
        (error, attempt) =>
          this.logger.warn(
            `persisting project retention failed (attempt ${attempt}): ${describeError(error)}`,
          ),
      );
      if (notify) for (const listener of this.classChangeListeners) listener();
    });
  }
}

export async function waitAtMost(
  promise: Promise<void>,
  timeoutMs: number,
  onTimeout: () => void,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)),
  );
  const outcome = await Promise.race([promise.then(() => 'done' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') onTimeout();
}
