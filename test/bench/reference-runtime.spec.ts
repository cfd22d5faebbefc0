import { referencesRuntimeProblem, satisfiesMinimum } from '../../bench/references/runtime';

describe('bench reference runtime gate', () => {
  it.each([
    ['20.20.2', '>=22.12.0', false],
    ['22.11.9', '>=22.12.0', false],
    ['22.12.0', '>=22.12.0', true],
    ['22.18.0', '>=22.18.0', true],
    ['24.0.0', '>=22.18.0', true],
    ['v24.22.3', '>=22.12', true],
  ])('Node %s against %s: %s', (version, range, expected) => {
    expect(satisfiesMinimum(version, range)).toBe(expected);
  });

  it('names each reference Node 20 cannot run, and none on Node 24', () => {
    expect(referencesRuntimeProblem('20.20.2')).toMatch(
      /^pg-boss 12\.\S+ needs Node >=22\.12\.0 and graphile-worker 0\.18\.\S+ needs Node >=22\.18\.0, this is Node 20\.20\.2$/,
    );
    expect(referencesRuntimeProblem('24.22.3')).toBeNull();
  });
});
