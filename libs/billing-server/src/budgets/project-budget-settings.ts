import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@pgw/contracts';
import { EVENT_BUS, type EventBus, type FollowSubscription, type IncomingMessage } from '@pgw/messaging';
import { budgetSettingsFrom, type BudgetSettings } from './budget-state';

type ChangeListener = (projectIds: string[]) => void;

/**
 * Each project's budget settings, as the policy service publishes them on the compacted project-state
 * topic (billing owns no copy). Listeners hear about every project once the topic is caught up, then
 * about each project whose budget settings change.
 */
@Injectable()
export class ProjectBudgetSettings implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('BillingProjectSettings');
  private readonly settings = new Map<string, BudgetSettings>();
  private readonly listeners: ChangeListener[] = [];
  private subscription: FollowSubscription | null = null;
  private caughtUp = false;
  private resolveReady: () => void = () => undefined;
  /** Resolves once the topic was read up to where it was at start: budgets are known from then on. */
  readonly ready = new Promise<void>((resolve) => (this.resolveReady = resolve));

  constructor(@Inject(EVENT_BUS) private readonly bus: EventBus) {}

  async onModuleInit(): Promise<void> {
    this.subscription = await this.bus.follow({
      topics: [TOPICS.projectState],
      onMessage: (message) => this.apply(message),
    });
    void this.subscription.caughtUp.then(() => {
      this.caughtUp = true;
      this.resolveReady();
      this.notify([...this.settings.keys()]);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }

  isReady(): boolean {
    return this.caughtUp;
  }

  get(projectId: string): BudgetSettings | null {
    return this.settings.get(projectId) ?? null;
  }

  projectIds(): string[] {
    return [...this.settings.keys()];
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  private apply(message: IncomingMessage): void {
    const projectId = message.key;
    if (!projectId) return;
    const previous = this.settings.get(projectId);
    if (message.value === null) {
      this.settings.delete(projectId);
    } else {
      let next: BudgetSettings | null = null;
      try {
        next = budgetSettingsFrom(JSON.parse(message.value.toString('utf8')));
      } catch {
        next = null;
      }
      if (!next) {
        this.logger.warn(`ignoring an unreadable project-state record at offset ${message.offset}`);
        return;
      }
      this.settings.set(projectId, next);
    }
    const current = this.settings.get(projectId);
    const changed =
      previous?.monthlyBudgetMicros !== current?.monthlyBudgetMicros ||
      previous?.softAlertPercent !== current?.softAlertPercent;
    if (changed && this.caughtUp) this.notify([projectId]);
  }

  private notify(projectIds: string[]): void {
    if (projectIds.length === 0) return;
    for (const listener of this.listeners) listener(projectIds);
  }
}
