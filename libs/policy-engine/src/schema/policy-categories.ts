import { DETECTOR_IDS, type DetectorId } from '../detectors/detector.types';
import { PROVIDER_TOKEN_IDS, type ProviderTokenId } from '../detectors/secret/provider-ids';
import { INJECTION_FAMILIES, type InjectionFamily } from '../detectors/injection.signals';

export const RULE_TARGETS = ['input', 'output', 'both'] as const;
export type RuleTarget = (typeof RULE_TARGETS)[number];

export const RULE_ACTIONS = ['block', 'redact', 'flag'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export const POLICY_TARGETS = ['input', 'output'] as const;
export type PolicyTarget = (typeof POLICY_TARGETS)[number];

export const ROLLOUT_MODES = ['enforce', 'shadow', 'canary'] as const;
export type RolloutMode = (typeof ROLLOUT_MODES)[number];

/**
 * Who wrote a text of a request: the OpenAI message roles, `document` for retrieved content a client passes
 * as its own text, and `field` for request text outside messages (tool definitions, JSON schemas,
 * metadata). A rule's `roles` restricts it to some of them.
 */
export const SEGMENT_ROLES = [
  'system',
  'developer',
  'user',
  'assistant',
  'tool',
  'function',
  'document',
  'field',
] as const;
export type SegmentRole = (typeof SEGMENT_ROLES)[number];

/** Content the model reads but nobody typed as a request: any injection found there is `injection.indirect`. */
export const CONTENT_ROLES: ReadonlySet<SegmentRole> = new Set<SegmentRole>(['tool', 'function', 'document']);

export function isContentRole(role: SegmentRole | undefined): boolean {
  return role !== undefined && CONTENT_ROLES.has(role);
}

/** The role as the injection model knows it (a message role; request fields have none). */
export function messageRoleOf(role: SegmentRole | undefined): Exclude<SegmentRole, 'field'> | undefined {
  return role === 'field' ? undefined : role;
}

export const STREAMING_MODES = ['incremental', 'buffer'] as const;
export type StreamingMode = (typeof STREAMING_MODES)[number];

/** What to do with media the engine cannot read (images, audio, files that are not text): see PolicyConfigInput.media. */
export const MEDIA_MODES = ['allow', 'block'] as const;
export type MediaMode = (typeof MEDIA_MODES)[number];

/** Category of every built-in detector. */
export const DETECTOR_CATEGORIES: Readonly<Record<DetectorId, string>> = {
  ...(Object.fromEntries(PROVIDER_TOKEN_IDS.map((id) => [id, `secret.${id}`])) as Record<
    ProviderTokenId,
    string
  >),
  email: 'pii.email',
  phone: 'pii.phone',
  card: 'pii.card',
  ssn: 'pii.ssn',
  iban: 'pii.iban',
  ip: 'pii.ip',
  openai_key: 'secret.openai_key',
  anthropic_key: 'secret.anthropic_key',
  aws_access_key: 'secret.aws_access_key',
  aws_secret_key: 'secret.aws_secret_key',
  github_token: 'secret.github_token',
  slack_token: 'secret.slack_token',
  google_api_key: 'secret.google_api_key',
  stripe_key: 'secret.stripe_key',
  jwt: 'secret.jwt',
  private_key: 'secret.private_key',
  generic_assignment: 'secret.generic_assignment',
};

export const DETECTOR_BY_CATEGORY: ReadonlyMap<string, DetectorId> = new Map(
  DETECTOR_IDS.map((id) => [DETECTOR_CATEGORIES[id], id]),
);

export const INJECTION_CATEGORIES: readonly string[] = INJECTION_FAMILIES.map((f) => `injection.${f}`);

/** Every fixed category; plus `denylist.<list>` and `regex.<name>` (lower-case snake_case names). */
export const BUILTIN_CATEGORIES: readonly string[] = [
  ...DETECTOR_BY_CATEGORY.keys(),
  ...INJECTION_CATEGORIES,
];

export const CATEGORY_PATTERN = new RegExp(
  `^(?:${BUILTIN_CATEGORIES.map((c) => c.replace('.', '\\.')).join('|')}|denylist\\.[a-z0-9_]{1,48}|regex\\.[a-z0-9_]{1,48})$`,
);

export type RuleKind = 'detector' | 'injection' | 'denylist' | 'regex';

export function ruleKind(category: string): RuleKind {
  if (category.startsWith('denylist.')) return 'denylist';
  if (category.startsWith('regex.')) return 'regex';
  if (category.startsWith('injection.')) return 'injection';
  return 'detector';
}

export function injectionFamily(category: string): InjectionFamily {
  return category.slice('injection.'.length) as InjectionFamily;
}
