import { diffLines, lineOfPath, pathSegments, prettyJson } from './json-tools';

describe('policy view JSON tools', () => {
  it('reads the API error path of a config field', () => {
    expect(pathSegments('config.rules[0].action')).toEqual(['rules', 0, 'action']);
    expect(pathSegments('config')).toEqual([]);
  });

  it('finds the editor line of the field an error names', () => {
    const text = prettyJson({ version: 1, rules: [{ id: 'a', action: 'explode' }] });
    const line = lineOfPath(text, 'config.rules[0].action');
    expect(text.split('\n')[(line ?? 0) - 1]).toContain('"action": "explode"');
    expect(lineOfPath('{ not json', 'config.rules[0].action')).toBeNull();
    expect(lineOfPath(text, 'config.rules[3].action')).toBeNull();
  });

  it('diffs two configs line by line, side by side', () => {
    const { left, right } = diffLines('a\nb\nc', 'a\nx\nc');
    expect(left.map((line) => line.kind)).toEqual(['same', 'removed', 'same']);
    expect(right.map((line) => line.kind)).toEqual(['same', 'added', 'same']);
  });
});
