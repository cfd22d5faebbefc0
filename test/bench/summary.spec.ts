import { judgeTargets, spread, summariseRuns, type Target } from '../../bench/lib/summary';
import { formatSpread } from '../../bench/lib/report';
import { assertLoopback, isLoopbackHost } from '../../bench/lib/loopback';

const cycleRun = (perSecond: number | null, ratio: number) => ({
  references: { pgboss_cycle_1w: { unitsPerSecond: perSecond === null ? 100 : perSecond / ratio } },
  engines: {
    postgres: {
      scenarios: {
        cycle_1c:
          perSecond === null
            ? { error: 'Mailroom did not become ready' }
            : { throughput: { perSecond, unit: 'messages acked' }, seconds: 10, resources: { cpuSeconds: perSecond / 100 }, vsReference: { ratio } },
      },
    },
  },
});

const target = (value: number | null, limit = 1.5): Target => ({
  target: 'cycle ≥ 1.5 × pg-boss',
  engine: 'postgres',
  scenario: 'cycle_10c_interleaved',
  value,
  comparison: '>=',
  limit,
  pass: value !== null && value >= limit,
});

describe('bench summary over runs', () => {
  it('gives the median, the spread and every run in run order', () => {
    expect(spread([3, 1, 2, 5, 4])).toEqual({ median: 3, min: 1, max: 5, values: [3, 1, 2, 5, 4] });
    expect(spread([4, null, 1, 2])).toEqual({ median: 2, min: 1, max: 4, values: [4, null, 1, 2] });
    expect(spread([null, undefined])).toBeNull();
  });

  it('summarises each scenario over the runs, counting the runs where it failed', () => {
    const [reference, cycle] = summariseRuns([cycleRun(400, 1.6), cycleRun(300, 1.2), cycleRun(null, 1), cycleRun(500, 1.4)]);
    expect(reference).toEqual(expect.objectContaining({ engine: 'reference', scenario: 'pgboss_cycle_1w', runs: 4, failedRuns: 0 }));
    expect(cycle).toEqual(
      expect.objectContaining({
        engine: 'postgres',
        scenario: 'cycle_1c',
        runs: 3,
        failedRuns: 1,
        perSecond: { median: 400, min: 300, max: 500, values: [400, 300, null, 500] },
        vsReference: { median: 1.4, min: 1.2, max: 1.6, values: [1.6, 1.2, null, 1.4] },
        cpuMsPerUnit: { median: 1, min: 1, max: 1, values: [1, 1, null, 1] },
      }),
    );
  });

  it('judges a target on the median of the runs, not on the best run', () => {
    const [judged] = judgeTargets([[target(1.7)], [target(1.4)], [target(1.45)]]);
    expect(judged).toEqual(expect.objectContaining({ value: 1.45, runs: 3, ofRuns: 3, threshold: '>= 1.5', pass: false }));
    expect(judged.spread).toEqual({ median: 1.45, min: 1.4, max: 1.7, values: [1.7, 1.4, 1.45] });
    expect(judgeTargets([[target(1.6)], [target(1.4)], [target(1.55)]])[0].pass).toBe(true);
  });

  it('fails a target that a run could not measure', () => {
    const [judged] = judgeTargets([[target(1.9)], [target(null)], [target(1.8)]]);
    expect(judged).toEqual(expect.objectContaining({ value: 1.85, runs: 2, ofRuns: 3, pass: false }));
    expect(judgeTargets([[target(1.9)], [], [target(1.8)]])[0]).toEqual(expect.objectContaining({ runs: 2, ofRuns: 3, pass: false }));
  });

  it('prints a median with its spread, and a single run without one', () => {
    expect(formatSpread(spread([1100, 1234, 1300]), '/s')).toBe('1,234/s (1,100–1,300)');
    expect(formatSpread(spread([1234]), '/s')).toBe('1,234/s');
    expect(formatSpread(spread([0.61, 0.6, 0.654]))).toBe('0.61 (0.6–0.654)');
  });
});

describe('bench loopback guard', () => {
  it.each(['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]'])('%s is loopback', (host) => expect(isLoopbackHost(host)).toBe(true));
  it.each(['10.0.0.5', '128.0.0.1', 'db.example.com', '::2', ''])('%s is not', (host) => expect(isLoopbackHost(host)).toBe(false));

  it('refuses a Postgres URL off this machine', () => {
    expect(() => assertLoopback('postgres://postgres@127.0.0.1:5432/test', 'the Postgres URL')).not.toThrow();
    expect(() => assertLoopback('postgres://postgres@db.example.com:5432/test', 'the Postgres URL')).toThrow(/must be on loopback/);
  });
});
