/**
 * Policy configs used by the gateway tests, in the policy engine's revision format (PolicyConfigInput).
 * One place to change if that format moves.
 */
export const AWS_KEY = 'AKIALALEMEL33243OLIA';
export const EMAIL = 'jane.doe@example.com';
export const BLOCKED_TERM = 'project-nightshade';

export function redactSecretsAndEmails(): unknown {
  return {
    version: 1,
    rules: [
      { id: 'aws', category: 'secret.aws_access_key', target: 'both', action: 'redact' },
      { id: 'email', category: 'pii.email', target: 'both', action: 'redact' },
    ],
  };
}

export function blockTerm(term = BLOCKED_TERM, target: 'input' | 'output' | 'both' = 'both'): unknown {
  return {
    version: 1,
    rules: [{ id: 'deny', category: 'denylist.test', target, action: 'block', terms: [term] }],
  };
}
