import { costMicros, type UsageEvent } from '@pgw/contracts';
import { priceAt, type PriceRule } from '../pricing/price-book';
import { hourOf, periodOf } from '../shared/periods';

/** One raw telemetry row: counts, prices and times only. */
export interface UsageRow {
  eventId: string;
  projectId: string;
  /** The gateway's request id (an identifier, never request text). */
  requestId: string;
  keyId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  usageEstimated: boolean;
  streamed: boolean;
  status: string;
  httpStatus: number;
  errorCode: string | null;
  startedAt: string;
  finishedAt: string;
  priceMicrosPerMillion: number;
  costMicros: number;
}

export interface HourlyDelta {
  projectId: string;
  model: string;
  hour: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costMicros: number;
}

export interface SpendDelta {
  projectId: string;
  period: string;
  costMicros: number;
}

/** Prices each event at the rule effective when it started (first occurrence of an id wins). */
export function toUsageRows(events: readonly UsageEvent[], rules: readonly PriceRule[]): UsageRow[] {
  const seen = new Set<string>();
  const rows: UsageRow[] = [];
  for (const event of events) {
    if (seen.has(event.event_id)) continue;
    seen.add(event.event_id);
    const p = event.payload;
    const price = priceAt(rules, p.model, new Date(p.started_at));
    rows.push({
      eventId: event.event_id,
      projectId: event.project_id,
      requestId: p.request_id,
      keyId: p.key_id,
      model: p.model,
      inputTokens: p.input_tokens,
      outputTokens: p.output_tokens,
      totalTokens: p.total_tokens,
      usageEstimated: p.usage_estimated,
      streamed: p.streamed,
      status: p.status,
      httpStatus: p.http_status,
      errorCode: p.error_code,
      startedAt: new Date(p.started_at).toISOString(),
      finishedAt: new Date(p.finished_at).toISOString(),
      priceMicrosPerMillion: price,
      costMicros: costMicros(p.total_tokens, price),
    });
  }
  return rows;
}

/** Sums rows into hourly rollup deltas and monthly spend deltas, sorted so row locks are taken in one order. */
export function aggregateUsage(rows: readonly UsageRow[]): { hourly: HourlyDelta[]; spend: SpendDelta[] } {
  const hourly = new Map<string, HourlyDelta>();
  const spend = new Map<string, SpendDelta>();
  for (const row of rows) {
    const hour = hourOf(row.startedAt);
    const hourKey = JSON.stringify([row.projectId, hour, row.model]);
    let h = hourly.get(hourKey);
    if (!h) {
      h = {
        projectId: row.projectId,
        model: row.model,
        hour,
        requests: 0,
        inputTokens: 0,
        outputTokens: 0,
        totalTokens: 0,
        costMicros: 0,
      };
      hourly.set(hourKey, h);
    }
    h.requests++;
    h.inputTokens += row.inputTokens;
    h.outputTokens += row.outputTokens;
    h.totalTokens += row.totalTokens;
    h.costMicros += row.costMicros;
    const period = periodOf(row.startedAt);
    const spendKey = JSON.stringify([row.projectId, period]);
    let s = spend.get(spendKey);
    if (!s) spend.set(spendKey, (s = { projectId: row.projectId, period, costMicros: 0 }));
    s.costMicros += row.costMicros;
  }
  const byKey = <T>(map: Map<string, T>): T[] =>
    [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return { hourly: byKey(hourly), spend: byKey(spend) };
}

/**
 * Adds a zero delta for each project's current period, so the batch locks every budget row it will read
 * in the same sorted statement (no lock-order deadlock with another replica at a month boundary).
 */
export function withCurrentPeriods(
  spend: readonly SpendDelta[],
  projectIds: Iterable<string>,
  period: string,
): SpendDelta[] {
  const byKey = new Map(spend.map((d) => [JSON.stringify([d.projectId, d.period]), d] as const));
  for (const projectId of projectIds) {
    const key = JSON.stringify([projectId, period]);
    if (!byKey.has(key)) byKey.set(key, { projectId, period, costMicros: 0 });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
}
