import { Injectable } from '@nestjs/common';
import type { PolicyTarget } from '@pgw/contracts';
import { GatewayEvents } from '../events/gateway-events';
import { BudgetGuard } from '../limits/budget-guard';
import { RequestLimits } from '../limits/request-limits';
import { LoadShedder } from '../load-shedding/load-shedder';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import type { PolicyOutcome } from '../policy/policy-port';
import {
  decisionTarget,
  recordedErrorCode,
  recordedModel,
  type RequestRecord,
  type Settled,
} from './request-record';

/**
 * The last stage of every request, whatever the endpoint: budget and limits settled with the tokens
 * used, the load-shedding slot freed, the decision and usage events published, the metrics counted.
 * The exchange settles just before it ends the response: publish() appends the events to the local
 * event log, so a response is complete only once its events would survive a crash of the gateway.
 */
@Injectable()
export class Settlement {
  constructor(
    private readonly budget: BudgetGuard,
    private readonly limits: RequestLimits,
    private readonly shedder: LoadShedder,
    private readonly events: GatewayEvents,
    private readonly metrics: GatewayMetrics,
  ) {}

  settle(record: RequestRecord, settled: Settled): void {
    const elapsed = performance.now() - record.t0;
    const { key, project } = record.caller;
    const { usage } = settled;
    const total = usage.input + usage.output;
    if (record.budget) this.budget.settle(record.budget, total);
    if (record.admission) this.limits.settle(record.admission, total);
    if (record.load)
      this.shedder.release(record.load, project.plan, record.upstreamStatus, record.upstreamMs);
    const now = Date.now();
    if (record.inputOutcome) this.decision(record, 'input', record.inputOutcome, record.inputDecidedMs);
    if (record.outputOutcome) this.decision(record, 'output', record.outputOutcome, now);
    const model = recordedModel(record);
    this.events.usage(project.project_id, {
      request_id: record.requestId,
      key_id: key.key_id,
      model,
      input_tokens: usage.input,
      output_tokens: usage.output,
      total_tokens: total,
      usage_estimated: usage.estimated,
      streamed: record.stream,
      status: settled.status,
      http_status: settled.httpStatus,
      error_code: recordedErrorCode(settled.errorCode),
      started_at: new Date(record.startedMs).toISOString(),
      finished_at: new Date(now).toISOString(),
    });
    this.metrics.addedLatency.observe(Math.max(0, elapsed - record.upstreamMs) / 1000);
    this.metrics.requests.inc([
      String(settled.httpStatus),
      this.metrics.modelLabel(model, project.allowed_models),
      project.project_id,
    ]);
    if (total > 0) {
      this.metrics.tokens.inc(['input', project.project_id], usage.input);
      this.metrics.tokens.inc(['output', project.project_id], usage.output);
    }
  }

  private decision(record: RequestRecord, target: PolicyTarget, outcome: PolicyOutcome, ms: number): void {
    const project = record.caller.project;
    const policy = record.policy;
    const recorded = decisionTarget(record.endpoint, target);
    this.events.decision(
      project.project_id,
      {
        request_id: record.requestId,
        decision: outcome.decision,
        reason_code: policy ? outcome.reasonCode.slice(0, 64) : 'no_policy',
        triggered_categories: outcome.categories,
        rollout_mode: policy ? policy.rolloutMode : project.default_rollout_mode,
        enforced: outcome.enforced,
        policy_id: policy ? policy.policyId : null,
        policy_user: record.user ? record.user.slice(0, 256) : null,
        policy_project_id: project.project_id,
        policy_target: recorded,
        allowlist_hits: outcome.allowlistHits,
        denylist_hits: outcome.denylistHits,
        model: recordedModel(record),
      },
      ms,
    );
    const categories = outcome.categories;
    const enforced = outcome.enforced ? 'true' : 'false';
    if (categories.length === 0) this.metrics.decisions.inc([recorded, 'none', outcome.decision, enforced]);
    for (const category of categories) {
      this.metrics.decisions.inc([recorded, category, outcome.decision, enforced]);
    }
  }
}
