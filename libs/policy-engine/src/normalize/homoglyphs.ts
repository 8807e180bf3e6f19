/**
 * Look-alike characters folded to the ASCII letter they imitate, so "раssword" (Cyrillic р, а) or "ѕk-..."
 * still match. Case is preserved (secrets are case-sensitive); fullwidth forms are already handled by NFKC.
 */
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  // Cyrillic
  ['а', 'a'], ['в', 'b'], ['е', 'e'], ['к', 'k'], ['м', 'm'], ['н', 'h'], ['о', 'o'], ['р', 'p'], ['с', 'c'],
  ['т', 't'], ['у', 'y'], ['х', 'x'], ['ѕ', 's'], ['і', 'i'], ['ј', 'j'], ['ԁ', 'd'], ['ɡ', 'g'], ['һ', 'h'],
  ['ӏ', 'l'], ['ԛ', 'q'], ['ԝ', 'w'], ['ь', 'b'],
  ['А', 'A'], ['В', 'B'], ['Е', 'E'], ['К', 'K'], ['М', 'M'], ['Н', 'H'], ['О', 'O'], ['Р', 'P'], ['С', 'C'],
  ['Т', 'T'], ['У', 'Y'], ['Х', 'X'], ['Ѕ', 'S'], ['І', 'I'], ['Ј', 'J'], ['Ԁ', 'D'], ['Ԛ', 'Q'], ['Ԝ', 'W'],
  ['Ӏ', 'I'],
  // Greek
  ['α', 'a'], ['β', 'b'], ['ε', 'e'], ['ι', 'i'], ['κ', 'k'], ['ν', 'v'], ['ο', 'o'], ['ρ', 'p'], ['τ', 't'],
  ['υ', 'u'], ['χ', 'x'], ['γ', 'y'], ['ω', 'w'],
  ['Α', 'A'], ['Β', 'B'], ['Ε', 'E'], ['Ζ', 'Z'], ['Η', 'H'], ['Ι', 'I'], ['Κ', 'K'], ['Μ', 'M'], ['Ν', 'N'],
  ['Ο', 'O'], ['Ρ', 'P'], ['Τ', 'T'], ['Υ', 'Y'], ['Χ', 'X'],
  // Latin look-alikes and symbols
  ['ı', 'i'], ['ȷ', 'j'], ['ℓ', 'l'], ['∕', '/'], ['⁄', '/'], ['‐', '-'], ['‑', '-'], ['‒', '-'], ['–', '-'],
  ['—', '-'], ['−', '-'], ['․', '.'], ['｡', '.'], ['＠', '@'], ['’', "'"], ['‘', "'"], ['ʼ', "'"], ['“', '"'], ['”', '"'],
];

export const HOMOGLYPHS: ReadonlyMap<number, string> = new Map(PAIRS.map(([from, to]) => [from.codePointAt(0) ?? 0, to]));
