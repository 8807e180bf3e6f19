import { isUuid } from '@pgw/contracts';
import {
  AdminApiException,
  decodeCursor,
  encodeCursor,
  invalidCursor,
  isStorableTimestamp,
} from '@pgw/server-kit';
import { scopeProject, type AuditPrincipal } from '../access/audit-principal';
import type { DecisionFilterRequestDto } from './dto/decision-filter.request.dto';
import type { DecisionFilter, DecisionRecord, Keyset } from './decision-query.repository';

/** Query string → repository filter, with the caller's project scope applied. */
export function toDecisionFilter(principal: AuditPrincipal, query: DecisionFilterRequestDto): DecisionFilter {
  const from = query.from ? new Date(query.from) : undefined;
  const to = query.to ? new Date(query.to) : undefined;
  if (from && to && from.getTime() >= to.getTime()) {
    throw new AdminApiException('invalid_request', 'to must be later than from', 'to');
  }
  return {
    projectId: scopeProject(principal, query.project_id),
    from,
    to,
    decision: query.decision,
    reasonCode: query.reason_code,
    category: query.category,
    policyId: query.policy_id,
    policyUser: query.policy_user,
    model: query.model,
    enforced: query.enforced === undefined ? undefined : query.enforced === 'true',
    rolloutMode: query.rollout_mode,
  };
}

export const cursorAfter = (record: DecisionRecord): string =>
  encodeCursor({ t: record.created_at, id: record.event_id });

export function parseCursor(cursor: string | undefined): Keyset | null {
  if (cursor === undefined) return null;
  const value = decodeCursor<{ t?: unknown; id?: unknown }>(cursor);
  // A date JavaScript parses but Postgres refuses (year 0, year 275760) reached the database as a 500.
  if (!value || !isStorableTimestamp(value.t) || !isUuid(value.id)) throw invalidCursor();
  // Normalised: Postgres reads every ISO form; JavaScript's other date forms are not sent on as written.
  return { createdAt: new Date(value.t).toISOString(), eventId: value.id };
}
