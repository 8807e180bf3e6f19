import type { CorpusCase } from './corpus.types';
import { INJECTION_CORPUS } from './injection.corpus';
import { PII_CORPUS } from './pii.corpus';
import { SECRETS_CORPUS } from './secrets.corpus';

export type { CorpusCase } from './corpus.types';
export { INJECTION_CORPUS, PII_CORPUS, SECRETS_CORPUS };

/** Every labelled case: PII, secrets (positives, hard negatives, evasions) and injection. */
export const CORPUS: readonly CorpusCase[] = [...PII_CORPUS, ...SECRETS_CORPUS, ...INJECTION_CORPUS];
