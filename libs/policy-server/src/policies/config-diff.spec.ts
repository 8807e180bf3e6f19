import { diffConfigs } from './config-diff';

describe('diffConfigs', () => {
  it('is empty for equal configs', () => {
    const config = { rules: [{ id: 'a', action: 'block' }], detectors: { email: true } };
    expect(diffConfigs(config, structuredClone(config))).toEqual([]);
  });

  it('reports everything as added against nothing (the first revision)', () => {
    expect(diffConfigs({}, { version: 1, rules: [] })).toEqual([
      { op: 'add', path: '/rules' },
      { op: 'add', path: '/version' },
    ]);
  });

  it('reports nested replacements, additions and removals as JSON pointers', () => {
    const before = { rules: [{ id: 'a', action: 'flag' }, { id: 'b' }], old: 1 };
    const after = { rules: [{ id: 'a', action: 'block' }, { id: 'b' }, { id: 'c' }], new: 2 };
    expect(diffConfigs(before, after)).toEqual([
      { op: 'add', path: '/new' },
      { op: 'remove', path: '/old' },
      { op: 'replace', path: '/rules/0/action' },
      { op: 'add', path: '/rules/2' },
    ]);
  });

  it('replaces a value whose type changed and escapes pointer segments', () => {
    expect(diffConfigs({ 'a/b': [1], '~x': 1 }, { 'a/b': { 0: 1 }, '~x': null })).toEqual([
      { op: 'replace', path: '/a~1b' },
      { op: 'replace', path: '/~0x' },
    ]);
  });

  it('reports a shrunk array as removals from the end', () => {
    expect(diffConfigs({ terms: ['x', 'y', 'z'] }, { terms: ['x'] })).toEqual([
      { op: 'remove', path: '/terms/1' },
      { op: 'remove', path: '/terms/2' },
    ]);
  });
});
