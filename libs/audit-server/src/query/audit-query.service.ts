import { Injectable } from '@nestjs/common';
import { DECISIONS } from '@pgw/contracts';
import { AdminApiException, type Page } from '@pgw/server-kit';
import type { AuditPrincipal } from '../access/audit-principal';
import { cursorAfter, parseCursor, toDecisionFilter } from './decision-filter';
import { DecisionQueryRepository, type BucketCount, type DecisionRecord } from './decision-query.repository';
import type { DecisionStatsRequestDto } from './dto/decision-stats.request.dto';
import type { DecisionStatsResponseDto, StatsBucketResponseDto } from './dto/decision.response.dto';
import type { ListDecisionsRequestDto } from './dto/list-decisions.request.dto';

const HOUR_MS = 3_600_000;
const BUCKET_MS = { hour: HOUR_MS, day: 24 * HOUR_MS } as const;
/** At most this many buckets per stats call (92 days by hour, ten years by day). */
const MAX_BUCKETS = { hour: 92 * 24, day: 3_660 } as const;

@Injectable()
export class AuditQueryService {
  constructor(private readonly decisions: DecisionQueryRepository) {}

  async list(principal: AuditPrincipal, query: ListDecisionsRequestDto): Promise<Page<DecisionRecord>> {
    const filter = toDecisionFilter(principal, query);
    const rows = await this.decisions.page(filter, parseCursor(query.cursor), query.limit + 1, 'desc');
    const data = rows.slice(0, query.limit);
    return { data, next_cursor: rows.length > query.limit ? cursorAfter(data[data.length - 1]) : null };
  }

  async stats(principal: AuditPrincipal, query: DecisionStatsRequestDto): Promise<DecisionStatsResponseDto> {
    const bucketMs = BUCKET_MS[query.bucket];
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from
      ? new Date(query.from)
      : new Date(to.getTime() - (query.bucket === 'hour' ? 24 : 30) * bucketMs);
    const filter = toDecisionFilter(principal, { ...query, from: from.toISOString(), to: to.toISOString() });
    const first = Math.floor(from.getTime() / bucketMs) * bucketMs;
    if ((to.getTime() - first) / bucketMs > MAX_BUCKETS[query.bucket]) {
      throw new AdminApiException(
        'invalid_request',
        `at most ${MAX_BUCKETS[query.bucket]} ${query.bucket} buckets per call`,
        'from',
      );
    }
    const [byDecision, byCategory] = await Promise.all([
      this.decisions.countByDecision(filter, query.bucket),
      this.decisions.countByCategory(filter, query.bucket),
    ]);
    const buckets = new Map<number, StatsBucketResponseDto>();
    for (let start = first; start < to.getTime(); start += bucketMs) {
      const decisions = Object.fromEntries(DECISIONS.map((d) => [d, 0]));
      buckets.set(start, { start: new Date(start).toISOString(), total: 0, decisions, categories: {} });
    }
    const bucketOf = (row: BucketCount): StatsBucketResponseDto | undefined =>
      buckets.get(new Date(row.bucket).getTime());
    for (const row of byDecision) {
      const bucket = bucketOf(row);
      if (!bucket) continue;
      bucket.decisions[row.key] = row.count;
      bucket.total += row.count;
    }
    for (const row of byCategory) {
      const bucket = bucketOf(row);
      if (bucket) bucket.categories[row.key] = row.count;
    }
    return {
      bucket: query.bucket,
      from: from.toISOString(),
      to: to.toISOString(),
      buckets: [...buckets.values()],
    };
  }
}
