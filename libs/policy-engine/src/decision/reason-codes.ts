/**
 * Stable reason codes (part of the audit record and of the gateway's error `code`; never rename one).
 * The code names the highest-precedence finding: the strongest action first (block > redact > flag), then
 * the family (secret > injection > pii > denylist > regex).
 */
export const REASON_CODES = {
  /** Nothing triggered (or everything that matched was allowlisted). */
  allowed: 'allowed',
  /** A secret (API key, token, private key, credential assignment) was found; action block or flag. */
  secret_detected: 'secret_detected',
  /** A secret was found and masked. */
  secret_redacted: 'secret_redacted',
  /** Personal data (email, phone, card, SSN, IBAN, IP) was found; action block or flag. */
  pii_detected: 'pii_detected',
  /** Personal data was found and masked. */
  pii_redacted: 'pii_redacted',
  /** Prompt-injection / jailbreak / system-prompt-leak signals reached a rule's threshold. */
  prompt_injection: 'prompt_injection',
  /** A denylist term matched. */
  denylist_match: 'denylist_match',
  /** A custom regex rule matched. */
  regex_match: 'regex_match',
} as const;

export type ReasonCode = (typeof REASON_CODES)[keyof typeof REASON_CODES];
export const ALL_REASON_CODES: readonly ReasonCode[] = Object.values(REASON_CODES);
