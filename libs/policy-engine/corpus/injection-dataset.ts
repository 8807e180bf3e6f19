// The vendored injection corpus (libs/policy-engine/data/injection) and its split by source repository.
// The reported generalisation figures come from sources a model never trained on: the held-out split
// (a model trained on TRAIN sources, scored on HELD_OUT ones) and cross-validation by source. The shipped
// model itself trains on every source (scripts/injection/train.ts).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InjectionModelData, ModelFamily } from '../src/detectors/injection/injection-model';

export const DATA_DIR = resolve(__dirname, '../data/injection');

/** The model trained without the held-out sources (for the held-out figures; the engine ships another). */
export const HELD_OUT_MODEL_FILE = resolve(DATA_DIR, 'heldout-model.json');

export interface HeldOutModelFile {
  /** Repositories it was trained on (none of HELD_OUT). */
  trainedOn: string[];
  /** Training rows left out because they nearly repeat a held-out row (rowsNearHeldOut). */
  rowsLeftOut: number;
  model: InjectionModelData;
}

export function loadHeldOutModel(): HeldOutModelFile {
  return JSON.parse(readFileSync(HELD_OUT_MODEL_FILE, 'utf8')) as HeldOutModelFile;
}

export interface Row {
  text: string;
  label: 'injection' | 'benign';
  kind: string;
  /** owner/repo@commit:path as in the corpus. */
  source: string;
  /** owner/repo: the unit of the split. */
  repo: string;
  /** Family the model's family heads learn (injections only). */
  family: ModelFamily | null;
}

/**
 * Repositories held out of training: attacks from five authors (overrides collected from Gandalf players,
 * indirect injections in web pages and code, technique examples of a fuzzer, a detector's few-shot
 * examples, a red-team tool's probes) and ordinary prompts from five other sets (among them real user
 * prompts of OpenAssistant and role-play and coding instructions of GPTeacher, so the default threshold
 * meets requests of kinds the training does not hold). Every family keeps training data from other sources.
 */
export const HELD_OUT: ReadonlySet<string> = new Set([
  'mik0w/pallms',
  'greshake/llm-security',
  'cyberark/FuzzyAI',
  'protectai/rebuff',
  'lm-sys/FastChat',
  'PolyAI-LDN/task-specific-datasets',
  'openai/grade-school-math',
  'NVIDIA/garak',
  'LAION-AI/Open-Assistant',
  'teknium1/GPTeacher',
]);

/** Rows written for this repository (`own-*.jsonl`): training only, never in a reported figure. */
export const isOwnRow = (r: Row): boolean => r.repo === 'policy-gateway';

const FAMILY_OF_KIND: Readonly<Record<string, ModelFamily>> = {
  direct_override: 'override',
  jailbreak_persona: 'jailbreak',
  prompt_extraction: 'system_prompt_leak',
  indirect: 'indirect',
};

/** Obfuscated rows take the family of what they hide, which depends on the source. */
function obfuscatedFamily(repo: string): ModelFamily {
  if (repo === 'JailbreakBench/artifacts' || repo === 'cyberark/FuzzyAI') return 'jailbreak';
  if (repo === 'meta-llama/PurpleLlama') return 'system_prompt_leak';
  return 'override';
}

/**
 * Forks that hold files of a repository the corpus already uses: they are that repository for the split
 * (a fork's copy of garak's data must not train the model that is scored on garak).
 */
const SPLIT_UNIT: Readonly<Record<string, string>> = {
  'patriciapampanelli/garak': 'NVIDIA/garak',
  'Noeunsol/garak_ko': 'NVIDIA/garak',
  'masahirocom/agentdojo-ja': 'lindsey98/agentdojo',
};

function readJsonl(file: string): Row[] {
  return readFileSync(resolve(DATA_DIR, file), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const raw = JSON.parse(line) as Omit<Row, 'repo' | 'family'>;
      const origin = raw.source.split(/[@:]/)[0];
      const repo = SPLIT_UNIT[origin] ?? origin;
      const family = raw.label === 'injection' ? (FAMILY_OF_KIND[raw.kind] ?? obfuscatedFamily(repo)) : null;
      return { ...raw, repo, family };
    });
}

/**
 * BIPIA's text attacks are ordinary questions ("What is the capital of Brazil?") that count as attacks only
 * because they sit in an e-mail the user did not write: without knowing where the text came from, no
 * detector can tell, so they are left out (its code attacks and clean e-mails stay).
 */
const CONTEXT_ONLY = /^microsoft\/BIPIA@[0-9a-f]{40}:benchmark\/text_attack_/;

export function loadCorpus(): Row[] {
  return [
    ...readJsonl('attacks.jsonl'),
    ...readJsonl('benign.jsonl'),
    // Added to the corpus here, each row with its source and licence (DATA-CARD.md).
    ...readJsonl('more-third-party.jsonl'),
    ...readJsonl('more-attacks.jsonl'),
    ...readJsonl('more-benign.jsonl'),
    ...readJsonl('agentdojo.jsonl'),
    ...readJsonl('multilingual.jsonl'),
    ...readJsonl('templates.jsonl'),
    ...readJsonl('deepset-multilingual.jsonl'),
    ...readJsonl('more-benign-2.jsonl'),
    ...readJsonl('followups.jsonl'),
    ...readJsonl('roleplay-benign.jsonl'),
    ...readJsonl('more-attacks-2.jsonl'),
    ...readJsonl('instruction-data.jsonl'),
    ...readJsonl('multilingual-2.jsonl'),
    ...readJsonl('jailbreaks-3.jsonl'),
    ...readJsonl('llmail.jsonl'),
    ...readJsonl('toolkits.jsonl'),
    ...readJsonl('extraction.jsonl'),
    ...readJsonl('indirect-2.jsonl'),
    // Written for this repository, training only (see DATA-CARD.md): never in the reported figures.
    ...readJsonl('own-hard-negatives.jsonl'),
    ...readJsonl('own-hard-negatives-2.jsonl'),
    ...readJsonl('own-hard-negatives-3.jsonl'),
    ...readJsonl('own-hard-negatives-4.jsonl'),
    ...readJsonl('own-attacks.jsonl'),
    ...readJsonl('own-attacks-2.jsonl'),
    ...readJsonl('own-attacks-3.jsonl'),
  ].filter((r) => !CONTEXT_ONLY.test(r.source));
}

export function splitBySource(rows: readonly Row[]): { train: Row[]; heldOut: Row[] } {
  return {
    train: rows.filter((r) => !HELD_OUT.has(r.repo)),
    heldOut: rows.filter((r) => HELD_OUT.has(r.repo)),
  };
}

/** Word trigrams of a text (lower-case letters and digits), for the near-duplicate check. */
function trigrams(text: string): string[] {
  const words =
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  const out = new Set<string>();
  for (let i = 0; i + 2 < words.length; i++) out.add(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
  return [...out];
}

/**
 * Training rows that nearly repeat a held-out row (Jaccard of word trigrams >= 0.25, or 60% of either text's
 * trigrams, at least 3, found in the other): the held-out model does not train on them, so its figures measure
 * what it learned elsewhere and not a copy of the row it is scored on. Famous jailbreaks (DAN and its
 * variants) and short everyday questions recur across sources, and our own rows are written from public
 * knowledge of attack styles, so copies exist in both halves. The shipped model trains on everything anyway.
 */
export function rowsNearHeldOut(rows: readonly Row[]): Set<Row> {
  const index = new Map<string, number[]>();
  const sizes: number[] = [];
  rows
    .filter((r) => HELD_OUT.has(r.repo))
    .forEach((r, id) => {
      const grams = trigrams(r.text);
      sizes.push(grams.length);
      for (const g of grams) {
        const ids = index.get(g);
        if (ids) ids.push(id);
        else index.set(g, [id]);
      }
    });
  const near = new Set<Row>();
  for (const row of rows.filter((r) => !HELD_OUT.has(r.repo))) {
    const grams = trigrams(row.text);
    const shared = new Map<number, number>();
    for (const g of grams) for (const id of index.get(g) ?? []) shared.set(id, (shared.get(id) ?? 0) + 1);
    for (const [id, n] of shared) {
      const jaccard = n / (grams.length + sizes[id] - n);
      const contained = (size: number) => size >= 3 && n / size >= 0.6;
      if (jaccard >= 0.25 || contained(grams.length) || contained(sizes[id])) {
        near.add(row);
        break;
      }
    }
  }
  return near;
}

/** Deterministic PRNG (mulberry32) for shuffling. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
