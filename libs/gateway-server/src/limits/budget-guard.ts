import { Inject, Injectable } from '@nestjs/common';
import { costMicros, type ProjectStateRecord } from '@pgw/contracts';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway-server.options';
import { GatewayError } from '../errors/gateway-error';
import { GatewayStateStore } from '../state/gateway-state.store';

/** Output tokens assumed for a reservation when the request sets no max_tokens. */
export const DEFAULT_OUTPUT_RESERVATION_TOKENS = 512;

/**
 * The project budget, enforced from billing's quota state plus what this replica has in flight or has
 * spent since billing's last update. Before forwarding, the estimated cost is reserved; after the
 * response the reservation is released and the actual cost counted locally until billing publishes a
 * newer quota record (which already includes it, so the local counter restarts from zero).
 */
@Injectable()
export class BudgetGuard {
  private readonly reserved = new Map<string, number>();
  private readonly spentSinceQuota = new Map<string, number>();

  constructor(
    private readonly state: GatewayStateStore,
    @Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions,
  ) {
    state.onQuotaUpdate((projectId) => this.spentSinceQuota.delete(projectId));
  }

  /** Throws 429 budget_exceeded, or returns the micro-dollars reserved (to pass to settle()). */
  reserve(project: ProjectStateRecord, estimatedTokens: number): number {
    const quota = this.state.quotas.get(project.project_id);
    const limit = quota ? quota.limit_micros : project.monthly_budget_micros;
    if (quota?.exhausted) throw exceeded();
    const micros = costMicros(estimatedTokens, this.options.priceMicrosPerMillionTokens);
    if (limit !== null && limit !== undefined) {
      const committed =
        (quota?.spent_micros ?? 0) +
        (this.spentSinceQuota.get(project.project_id) ?? 0) +
        (this.reserved.get(project.project_id) ?? 0);
      if (committed + micros > limit) throw exceeded();
    }
    this.reserved.set(project.project_id, (this.reserved.get(project.project_id) ?? 0) + micros);
    return micros;
  }

  settle(projectId: string, reservedMicros: number, actualTokens: number): void {
    const left = (this.reserved.get(projectId) ?? 0) - reservedMicros;
    if (left > 0) this.reserved.set(projectId, left);
    else this.reserved.delete(projectId);
    if (actualTokens > 0) {
      const spent = costMicros(actualTokens, this.options.priceMicrosPerMillionTokens);
      this.spentSinceQuota.set(projectId, (this.spentSinceQuota.get(projectId) ?? 0) + spent);
    }
  }
}

function exceeded(): GatewayError {
  return new GatewayError(
    'budget_exceeded',
    "The project's budget for this period is used up. Raise the budget or wait for the next period.",
  );
}
