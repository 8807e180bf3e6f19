import { jsonTooDeep, MAX_JSON_DEPTH } from './json-depth';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('jsonTooDeep', () => {
  it('counts nesting of arrays and objects, not brackets inside strings', () => {
    const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(jsonTooDeep(bytes(nest(MAX_JSON_DEPTH)))).toBe(false);
    expect(jsonTooDeep(bytes(nest(MAX_JSON_DEPTH + 1)))).toBe(true);
    expect(jsonTooDeep(bytes(`{"a":${nest(100_000)}}`))).toBe(true);
    expect(jsonTooDeep(bytes(JSON.stringify({ content: '[{'.repeat(10_000) })))).toBe(false);
    expect(jsonTooDeep(bytes(JSON.stringify({ content: '\\"[[[[' + '['.repeat(100) })))).toBe(false);
  });
});
