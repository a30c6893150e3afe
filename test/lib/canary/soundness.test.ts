import {
  lookSignificance,
  runAnalysis,
  type AnalysisOptions
} from '../../../src/lib/canary/analysis.js'
import { judgeValueMetric } from '../../../src/lib/canary/judge.js'
import { parseMetricSpecs, type ValueMetricSpec } from '../../../src/lib/canary/metric-spec.js'
import { mannWhitneyU, pointsNeeded, smallestPValue } from '../../../src/lib/canary/statistics.js'
import { MetricSpecError } from '../../../src/lib/canary/metric-spec.js'
import {
  around,
  fakeClock,
  fakePrometheus,
  INTERVAL_MS,
  type FakeOptions
} from './fake-prometheus.js'

// The judge never passes what it could not judge (issue: "A canary judge that never passes
// what it could not judge"). Each case here passed a worse canary, or said the wrong thing,
// before the judge was made sound.

function analyse(fake: FakeOptions, metrics: unknown[], overrides: Partial<AnalysisOptions> = {}) {
  const clock = fakeClock()
  const prometheus = fakePrometheus(fake)
  const result = runAnalysis({
    prometheus,
    metrics: parseMetricSpecs(metrics),
    canarySelector: 'track="canary"',
    baselineSelector: 'track="stable"',
    intervalMs: INTERVAL_MS,
    iterations: 5,
    failureLimit: 0,
    onNoData: 'fail',
    now: clock.now,
    sleep: clock.sleep,
    ...overrides
  })
  return { result, prometheus, clock }
}

const ERROR_RATE = {
  name: 'error-rate',
  query:
    'sum(rate(http_errors_total{ {{selector}} }[5m])) / sum(rate(http_requests_total{ {{selector}} }[5m]))',
  compare: 'baseline',
  direction: 'increase',
  critical: true
}

describe('a comparison that cannot reach significance is no data, never a pass', () => {
  it('gives the smallest p-values the sample sizes allow', () => {
    expect([1, 2, 3, 4, 5].map(n => smallestPValue(n, n, 'greater'))).toEqual([
      0.5,
      expect.closeTo(1 / 6, 12),
      expect.closeTo(0.05, 12),
      expect.closeTo(1 / 70, 12),
      expect.closeTo(1 / 252, 12)
    ])
    expect(smallestPValue(5, 5, 'two-sided')).toBeCloseTo(2 / 252, 12)
    expect(pointsNeeded('greater', 0.01)).toBe(5)
    expect(pointsNeeded('two-sided', 0.01)).toBe(5)
    expect(pointsNeeded('greater', 0.001)).toBe(7)
  })

  it.each([1, 2, 3, 4, 5, 8])(
    'never passes a canary at three times the baseline error rate (%i iterations)',
    async iterations => {
      const series = {
        http_errors_total: {
          canary: around(0.015, 0.001, iterations, 11),
          baseline: around(0.005, 0.001, iterations, 12)
        }
      }
      for (const onNoData of ['fail', 'inconclusive', 'pass'] as const) {
        const { result } = analyse({ series }, [ERROR_RATE], { iterations, onNoData })
        const outcome = await result
        if (iterations >= 5) {
          expect(outcome.verdict).toBe('fail')
          expect(outcome.reason).toMatch(/Hodges-Lehmann shift \+\d+\.\d%.*significant/)
        } else {
          // Too few points to be significant: no data, which follows on-no-data.
          const metric = outcome.report.iterations.at(-1)!.metrics[0]!
          expect(metric.classification).toBe('nodata')
          expect(metric.reason).toContain(
            'cannot reach significance with ' +
              `${iterations} canary and ${iterations} baseline point`
          )
          expect(metric.reason).toContain('it needs at least 5 points on each side')
          expect(outcome.verdict).toBe(onNoData === 'pass' ? 'pass' : onNoData)
        }
        if (onNoData !== 'pass') expect(outcome.verdict).not.toBe('pass')
      }
    }
  )

  it('keeps an early comparison pending (neither failing nor passing) while iterations remain', async () => {
    const series = {
      http_errors_total: {
        canary: around(0.01, 0.002, 5, 1),
        baseline: around(0.01, 0.002, 5, 2)
      }
    }
    const { result } = analyse({ series }, [ERROR_RATE])
    const outcome = await result
    expect(outcome.verdict).toBe('pass')
    const metrics = outcome.report.iterations.map(it => it.metrics[0]!)
    expect(metrics.slice(0, 4).map(m => [m.classification, m.pending])).toEqual(
      Array(4).fill(['nodata', true])
    )
    expect(metrics[4]!.classification).toBe('pass')
    expect(metrics[4]!.pending).toBeUndefined()
    expect(metrics[4]!.comparison!.pValue).not.toBeNull()
  })
})

describe('the query resolution gives independent points', () => {
  it('samples at the interval and shortens longer ranges so that windows do not overlap', async () => {
    const series = {
      http_errors_total: { canary: Array(5).fill(0.01), baseline: Array(5).fill(0.01) }
    }
    const { result, prometheus } = analyse({ series }, [ERROR_RATE])
    const outcome = await result
    const ranges = prometheus.calls.filter(c => c.kind === 'query_range')
    expect(new Set(ranges.map(c => c.step))).toEqual(new Set([60]))
    expect(ranges[0]!.query).toBe(
      'sum(rate(http_errors_total{ track="canary" }[1m])) / sum(rate(http_requests_total{ track="canary" }[1m]))'
    )
    // The instant query, for the bounds, keeps the query as written.
    expect(prometheus.calls.find(c => c.kind === 'query')!.query).toContain('[5m]')
    const record = outcome.report.iterations[4]!.metrics[0]!.queries.find(
      q => q.endpoint === '/api/v1/query_range'
    )!
    expect(record.resolution).toBe(
      'step 1m (the interval), one point per side per iteration; [5m], [5m] shortened to [1m] so that consecutive points do not overlap'
    )
    expect(outcome.report.iterations[4]!.metrics[0]!.comparison!.canaryPoints).toBe(5)
  })
})

describe('infinities and NaN', () => {
  const spec = parseMetricSpecs([
    { name: 'latency-p99', query: 'x', compare: 'baseline', direction: 'increase' }
  ])[0] as ValueMetricSpec
  const ok = (value: number[]) => ({ status: 'ok' as const, value })

  it('ranks +Inf (a latency past the last bucket) as the worst value instead of dropping it', () => {
    const judged = judgeValueMetric(spec, {
      canary: { status: 'ok', value: 0.3 },
      canarySamples: ok([0.3, Infinity, Infinity, 0.31, Infinity, Infinity]),
      baselineSamples: ok([0.25, 0.26, 0.24, 0.25, 0.26, 0.25])
    })
    expect(judged.classification).toBe('fail')
    expect(judged.comparison!.canaryPoints).toBe(6)
    expect(judged.comparison!.canaryMedian).toBe('+Inf')
    expect(judged.reason).toContain('Hodges-Lehmann shift up to +Inf')
  })

  it('drops NaN points and says how many in the reason', () => {
    const judged = judgeValueMetric(spec, {
      canary: { status: 'ok', value: 0.25 },
      canarySamples: ok([NaN, 0.25, 0.26, 0.24, 0.25, 0.26, NaN]),
      baselineSamples: ok([0.25, 0.26, 0.24, 0.25, 0.26, 0.25])
    })
    expect(judged.classification).toBe('pass')
    expect(judged.reason).toContain('(2 canary and 0 baseline NaN points left out)')
  })

  it('refuses NaN and empty input in the rank test with a clear error', () => {
    expect(() => mannWhitneyU([1, NaN], [1, 2], 'greater')).toThrow(
      'Mann-Whitney U cannot rank NaN; drop NaN values before the test'
    )
    expect(() => mannWhitneyU([], [1], 'greater')).toThrow('needs at least one value')
  })
})

describe('the effect size agrees with the rank test', () => {
  // Throughput where a decrease is bad: the canary's typical minute is half the baseline's,
  // and one burst lifts its mean above the baseline's.
  const baseline = [100, 102, 98, 101, 99, 100, 103, 97, 100, 101]
  const canary = [50, 51, 49, 50, 52, 48, 50, 51, 49, 600]

  it('fails a halved canary that one burst lifted above the baseline mean (decrease)', () => {
    const spec = parseMetricSpecs([
      { name: 'throughput', query: 'x', compare: 'baseline', direction: 'decrease' }
    ])[0] as ValueMetricSpec
    const judged = judgeValueMetric(spec, {
      canary: { status: 'ok', value: 50 },
      canarySamples: { status: 'ok', value: canary },
      baselineSamples: { status: 'ok', value: baseline }
    })
    expect(judged.classification).toBe('fail')
    expect(judged.reason).toMatch(/Hodges-Lehmann shift -50\.\d%/)
  })

  it('names the right direction with either', () => {
    const spec = parseMetricSpecs([
      { name: 'throughput', query: 'x', compare: 'baseline', direction: 'either' }
    ])[0] as ValueMetricSpec
    const judged = judgeValueMetric(spec, {
      canary: { status: 'ok', value: 50 },
      canarySamples: { status: 'ok', value: canary },
      baselineSamples: { status: 'ok', value: baseline }
    })
    expect(judged.classification).toBe('fail')
    expect(judged.reason).toMatch(/shift -50\.\d%/)
    expect(judged.comparison!.relativeChange as number).toBeLessThan(-0.4)
  })
})

describe('a new canary may wait for its first data (warmup)', () => {
  const metric = { name: 'error-rate', query: 'http_errors_total{ {{selector}} }', max: 0.05 }
  const series = {
    http_errors_total: {
      canary: [undefined, 0.01, 0.01, 0.01, 0.01, 0.01],
      baseline: Array(6).fill(0.01)
    }
  }

  it('waits for the first scrape within the warmup and reports how long', async () => {
    const { result } = analyse({ series }, [metric], { iterations: 3 })
    const outcome = await result
    expect(outcome.verdict).toBe('pass')
    expect(outcome.report.settings.warmupSeconds).toBe(120)
    expect(outcome.report.iterations[0]!.warmupWaitedSeconds).toBe(36)
    expect(outcome.report.iterations[0]!.metrics[0]!.classification).toBe('pass')
  })

  it('fails closed when the data does not come within the warmup', async () => {
    const { result } = analyse({ series }, [metric], { iterations: 3, warmupMs: 0 })
    const outcome = await result
    expect(outcome.verdict).toBe('fail')
    expect(outcome.reason).toContain('the canary query returned no data')
  })
})

describe('drift needs counts', () => {
  it('refuses a drift query written with rate()', () => {
    expect(() =>
      parseMetricSpecs([
        {
          name: 'drift',
          kind: 'drift',
          query: 'sum by (le) (rate(score_bucket{ {{selector}} }[5m]))'
        }
      ])
    ).toThrow(/rate\(\), irate\(\) and deriv\(\) give per-second values/)
  })
})

describe('small text', () => {
  it('says "for a decrease"', () => {
    const spec = parseMetricSpecs([
      { name: 'throughput', query: 'x', compare: 'baseline', direction: 'decrease' }
    ])[0] as ValueMetricSpec
    const values = [100, 101, 99, 100, 102, 98]
    const judged = judgeValueMetric(spec, {
      canary: { status: 'ok', value: 100 },
      canarySamples: { status: 'ok', value: values },
      baselineSamples: { status: 'ok', value: values }
    })
    expect(judged.reason).toContain('within the tolerance of 10% for a decrease')
  })

  it('reports min: .nan as NaN, not null', () => {
    expect(() => parseMetricSpecs([{ name: 'x', query: 'x', min: NaN }])).toThrow(MetricSpecError)
    expect(() => parseMetricSpecs([{ name: 'x', query: 'x', min: NaN }])).toThrow(
      'key "min": got NaN; accepted: a finite number.'
    )
  })
})

describe('repeated looks share the significance level', () => {
  it.each([1, 2, 5, 10])('spends at most the level over %i iterations', iterations => {
    const settings = { significance: 0.01, iterations }
    let spent = 0
    for (let i = 1; i <= iterations; i++) spent += lookSignificance(settings, i)
    expect(spent).toBeCloseTo(0.01, 12)
    // The last look keeps enough for 5 points a side, one- or two-sided.
    expect(lookSignificance(settings, iterations)).toBeGreaterThan(2 / 252)
  })
})
