import { PROVIDER_TOKEN_IDS } from '../detectors/secret/provider-ids';
import type { PolicyConfigInput, PolicyRuleInput } from '../schema/policy-config.types';

const SECRET_CATEGORIES = [
  'secret.openai_key',
  'secret.anthropic_key',
  'secret.aws_access_key',
  'secret.aws_secret_key',
  'secret.github_token',
  'secret.slack_token',
  'secret.google_api_key',
  'secret.stripe_key',
  'secret.jwt',
  'secret.generic_assignment',
  ...PROVIDER_TOKEN_IDS.map((id) => `secret.${id}`),
] as const;
const PII_CATEGORIES = ['pii.email', 'pii.phone', 'pii.card', 'pii.ssn', 'pii.iban', 'pii.ip'] as const;

/**
 * Every built-in detector: secrets masked (private keys block), personal data masked, instruction
 * overrides blocked on input, jailbreak and system-prompt-leak attempts flagged, injections in tool
 * results and documents blocked. A fresh object per call.
 */
export function defaultPolicyConfig(): PolicyConfigInput {
  const rules: PolicyRuleInput[] = [
    ...SECRET_CATEGORIES.map((category): PolicyRuleInput => ({
      id: category.replace('.', '-'),
      category,
      target: 'both',
      action: 'redact',
    })),
    { id: 'secret-private_key', category: 'secret.private_key', target: 'both', action: 'block' },
    ...PII_CATEGORIES.map((category): PolicyRuleInput => ({
      id: category.replace('.', '-'),
      category,
      target: 'both',
      action: 'redact',
    })),
    { id: 'injection-override', category: 'injection.override', target: 'input', action: 'block' },
    { id: 'injection-jailbreak', category: 'injection.jailbreak', target: 'input', action: 'flag' },
    { id: 'injection-leak', category: 'injection.system_prompt_leak', target: 'input', action: 'flag' },
    // Instructions inside tool results and documents: blocked like overrides in the user's own text.
    {
      id: 'injection-indirect',
      category: 'injection.indirect',
      target: 'input',
      action: 'block',
      roles: ['tool', 'function', 'document'],
    },
  ];
  return { version: 1, name: 'default', rollout: { mode: 'enforce' }, rules };
}

/** The documented example (README): every kind of rule, an allowlist and a canary rollout. */
export const samplePolicyConfig: Readonly<PolicyConfigInput> = Object.freeze<PolicyConfigInput>({
  version: 1,
  name: 'support-bot',
  description: 'Customer support assistant: no secrets, no card data, no competitor talk.',
  rollout: { mode: 'canary', percentage: 25 },
  streaming: { mode: 'incremental' },
  rules: [
    { id: 'keys', category: 'secret.openai_key', target: 'both', action: 'block' },
    { id: 'aws', category: 'secret.aws_access_key', target: 'both', action: 'block' },
    { id: 'creds', category: 'secret.generic_assignment', target: 'both', action: 'redact' },
    { id: 'cards', category: 'pii.card', target: 'both', action: 'redact', placeholder: '[CARD]' },
    { id: 'emails', category: 'pii.email', target: 'output', action: 'redact' },
    { id: 'phones', category: 'pii.phone', target: 'output', action: 'flag' },
    {
      id: 'competitors',
      category: 'denylist.competitors',
      target: 'output',
      action: 'redact',
      terms: ['Globex', 'Initech', 'Umbrella Corp'],
      wholeWord: true,
    },
    {
      id: 'tickets',
      category: 'regex.internal_ticket',
      target: 'output',
      action: 'redact',
      pattern: 'INC-[0-9]{6,8}',
      caseSensitive: true,
      maxLength: 12,
    },
    { id: 'override', category: 'injection.override', target: 'input', action: 'block', threshold: 1 },
    {
      id: 'jailbreak',
      category: 'injection.jailbreak',
      target: 'input',
      action: 'flag',
      threshold: 1,
      weights: { roleplay: 0.3 },
    },
  ],
  allowlist: [{ id: 'support-inbox', target: 'both', terms: ['support@example.com'] }],
});
