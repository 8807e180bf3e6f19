import type { TargetPlan } from '../../compile/compiled-rule';
import type { DecisionTally } from '../../decision/decision-tally';
import type { MessageRole } from '../../decision/decision.types';

/** Roles whose content the model reads but nobody typed as a request: where indirect injections live. */
const CONTENT_ROLES: ReadonlySet<MessageRole> = new Set(['tool', 'function', 'document']);

/**
 * Fires the plan's injection rules that the learned model supports: the rule's family is the family the
 * model names for the text (any injection found in tool results or retrieved documents is `indirect`),
 * and the model's probability reaches the rule's model threshold. Rule signals fire rules on their own
 * (DecisionTally); this adds what the signals miss.
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
  const family = role !== undefined && CONTENT_ROLES.has(role) ? 'indirect' : score.family;
  for (const rule of pending) {
    if (rule.family === family && score.probability >= rule.modelThreshold) tally.triggerRule(rule.rule);
  }
}
