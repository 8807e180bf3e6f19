import type { TargetPlan } from '../../compile/compiled-rule';
import type { DecisionTally } from '../../decision/decision-tally';
import type { MessageRole } from '../../decision/decision.types';
import { type InjectionFamily, SIGNALS } from '../injection.signals';

/** Roles whose content the model reads but nobody typed as a request: where indirect injections live. */
const CONTENT_ROLES: ReadonlySet<MessageRole> = new Set(['tool', 'function', 'document']);
const FAMILY_OF_SIGNAL: ReadonlyMap<string, InjectionFamily> = new Map(SIGNALS.map((s) => [s.id, s.family]));
const WEIGHT_OF_SIGNAL: ReadonlyMap<string, number> = new Map(SIGNALS.map((s) => [s.id, s.weight]));

/** The family the rule signals found in the text point to (most signal weight), if any. */
function signalFamily(plan: TargetPlan, tally: DecisionTally): InjectionFamily | null {
  if (!plan.signalMatcher || tally.signalMask === 0) return null;
  const weights = new Map<InjectionFamily, number>();
  for (const id of plan.signalMatcher.signalIds(tally.signalMask)) {
    const family = FAMILY_OF_SIGNAL.get(id) as InjectionFamily;
    weights.set(family, (weights.get(family) ?? 0) + (WEIGHT_OF_SIGNAL.get(id) ?? 0));
  }
  let best: InjectionFamily | null = null;
  for (const [family, weight] of weights)
    if (best === null || weight > (weights.get(best) ?? 0)) best = family;
  return best;
}

/**
 * Fires the plan's injection rules that the learned model supports. The finding's family is, in order:
 * `indirect` for tool results and retrieved documents; the family of the rule signals found in the text
 * (they explain the finding); the family the model names. A rule of that family fires when the model's
 * probability reaches the rule's model threshold. Rule signals fire rules on their own (DecisionTally);
 * this adds what the signals miss.
 */
export function applyInjectionModel(
  plan: TargetPlan,
  tally: DecisionTally,
  text: string,
  role: MessageRole | undefined,
): void {
  const model = plan.injectionModel;
  if (!model) return;
  const pending = plan.injectionRules.filter((r) => !tally.triggered.has(r.rule));
  if (pending.length === 0) return;
  const lowest = pending.reduce((min, r) => Math.min(min, r.modelThreshold), 1);
  const score = model.score(text, lowest);
  if (score.family === null) return;
  const family =
    role !== undefined && CONTENT_ROLES.has(role) ? 'indirect' : (signalFamily(plan, tally) ?? score.family);
  for (const rule of pending) {
    if (rule.family === family && score.probability >= rule.modelThreshold) tally.triggerRule(rule.rule);
  }
}
