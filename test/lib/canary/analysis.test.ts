import { runAnalysis, type AnalysisOptions } from '../../../src/lib/canary/analysis.js'
import { parseMetricSpecs } from '../../../src/lib/canary/metric-spec.js'
import { PrometheusError } from '../../../src/lib/prometheus/client.js'
import { UserError } from '../../../src/lib/errors.js'
import {
  around,
  fakeClock,
  fakePrometheus,
  INTERVAL_MS,
  START,
  type FakeOptions
} from './fake-prometheus.js'

const ERROR_RATE = {
  name: 'error-rate',
  query:
    'sum(rate(http_errors_total{ {{selector}} }[1m])) / sum(rate(http_requests_total{ {{selector}} }[1m]))',
  compare: 'baseline',
  direction: 'increase'
}
const LATENCY = {
  name: 'latency-p95',
  query: 'histogram_quantile(0.95, sum by (le) (rate(http_latency_bucket{ {{selector}} }[1m])))',
  compare: 'baseline',
  direction: 'increase'
}

function analyse(fake: FakeOptions, metrics: unknown[], overrides: Partial<AnalysisOptions> = {}) {
  const clock = fakeClock()
  const prometheus = fakePrometheus(fake)
  const progress: number[] = []
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
    onIteration: iteration => progress.push(iteration.iteration),
    ...overrides
  })
  return { result, prometheus, clock, progress }
}

describe('runAnalysis: comparison with the baseline', () => {
  it('passes a canary whose error rate and latency come from the same distributions as the baseline', async () => {
    const { result, progress, clock } = analyse(
      {
        series: {
          http_errors_total: {
            canary: around(0.01, 0.002, 5, 1),
            baseline: around(0.01, 0.002, 5, 2)
          },
          http_latency_bucket: {
            canary: around(0.25, 0.02, 5, 3),
            baseline: around(0.25, 0.02, 5, 4)
          }
        }
      },
      [ERROR_RATE, LATENCY]
    )
    const { verdict, score, reason, report } = await result
    expect(verdict).toBe('pass')
    expect(score).toBe(100)
    expect(reason).toMatch(/^The canary passed 5 iterations/)
    expect(progress).toEqual([1, 2, 3, 4, 5])
    expect(clock.slept).toEqual([INTERVAL_MS, INTERVAL_MS, INTERVAL_MS, INTERVAL_MS, INTERVAL_MS])
    expect(report.iterations.map(it => it.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass'])
  })

  it('fails a canary whose error rate doubled, saying by how much and with which p-value', async () => {
    const { result } = analyse(
      {
        series: {
          http_errors_total: {
            canary: around(0.02, 0.002, 5, 5),
            baseline: around(0.01, 0.002, 5, 6)
          }
        }
      },
      [ERROR_RATE]
    )
    const { verdict, reason, report } = await result
    expect(verdict).toBe('fail')
    const last = report.iterations[report.iterations.length - 1]!
    expect(last.iteration).toBe(5)
    expect(last.metrics[0]!.classification).toBe('fail')
    expect(reason).toMatch(
      /^Iteration 5 failed \(error-rate: canary median 0\.0\d+, baseline median 0\.0\d+: Hodges-Lehmann shift \+\d+\.\d% against the baseline, beyond the tolerance of 10% and significant \(p = 0\.00\d+\)\)/
    )
    const comparison = last.metrics[0]!.comparison!
    expect(comparison.canarySamples).toHaveLength(5)
    expect(comparison.relativeChange as number).toBeGreaterThan(0.8)
    expect(comparison.pValue!).toBeLessThan(0.01)
  })

  it('fails a canary whose latency rose by half', async () => {
    const { result } = analyse(
      {
        series: {
          http_latency_bucket: {
            canary: around(0.375, 0.03, 5, 7),
            baseline: around(0.25, 0.03, 5, 8)
          }
        }
      },
      [LATENCY]
    )
    const { verdict, reason } = await result
    expect(verdict).toBe('fail')
    expect(reason).toContain('latency-p95')
    expect(reason).toMatch(/\+4\d\.\d%|\+5\d\.\d%/)
  })

  it('respects the tolerance: a significant rise of 5% passes at the default 10% and fails at 1%', async () => {
    const series = {
      http_latency_bucket: {
        canary: [0.2625, 0.263, 0.2628, 0.2632, 0.2627],
        baseline: [0.25, 0.2502, 0.2498, 0.2501, 0.2499]
      }
    }
    const loose = await analyse({ series }, [LATENCY]).result
    expect(loose.verdict).toBe('pass')
    const comparison = loose.report.iterations[4]!.metrics[0]!.comparison!
    expect(comparison.significant).toBe(true)
    expect(comparison.beyondTolerance).toBe(false)
    expect(loose.report.iterations[4]!.metrics[0]!.reason).toContain(
      'within the tolerance of 10% for an increase'
    )

    const strict = await analyse({ series }, [{ ...LATENCY, tolerance: 0.01 }]).result
    expect(strict.verdict).toBe('fail')
    expect(strict.reason).toContain('beyond the tolerance of 1%')
  })

  it('respects the direction: a halved error rate is bad only for direction decrease or either', async () => {
    const series = {
      http_errors_total: {
        canary: around(0.005, 0.001, 5, 9),
        baseline: around(0.01, 0.001, 5, 10)
      }
    }
    expect((await analyse({ series }, [ERROR_RATE]).result).verdict).toBe('pass')
    expect(
      (await analyse({ series }, [{ ...ERROR_RATE, direction: 'decrease' }]).result).verdict
    ).toBe('fail')
    const either = await analyse({ series }, [{ ...ERROR_RATE, direction: 'either' }]).result
    expect(either.verdict).toBe('fail')
    expect(either.report.iterations[4]!.metrics[0]!.comparison!.alternative).toBe('two-sided')
  })

  it('sends range queries over the window so far with the rate window as the step', async () => {
    const { result, prometheus } = analyse(
      {
        series: {
          http_errors_total: {
            canary: around(0.01, 0.002, 5, 11),
            baseline: around(0.01, 0.002, 5, 12)
          }
        }
      },
      [ERROR_RATE]
    )
    const { report } = await result
    const ranges = prometheus.calls.filter(c => c.kind === 'query_range')
    expect(ranges).toHaveLength(10)
    const lastCanary = ranges[8]!
    expect(lastCanary.query).toBe(
      'sum(rate(http_errors_total{ track="canary" }[1m])) / sum(rate(http_requests_total{ track="canary" }[1m]))'
    )
    expect(lastCanary).toMatchObject({
      start: START + INTERVAL_MS,
      end: START + 5 * INTERVAL_MS,
      step: 60
    })
    const recorded = report.iterations[4]!.metrics[0]!.queries
    expect(recorded.map(q => [q.side, q.endpoint])).toEqual([
      ['canary', '/api/v1/query'],
      ['baseline', '/api/v1/query'],
      ['canary', '/api/v1/query_range'],
      ['baseline', '/api/v1/query_range']
    ])
    expect(recorded[2]).toMatchObject({
      stepSeconds: 60,
      points: 5,
      outcome: 'ok',
      start: new Date(START + INTERVAL_MS).toISOString()
    })
  })
})

describe('runAnalysis: bounds, critical metrics and the failure limit', () => {
  const bounded = { name: 'error-rate', query: 'http_errors_total{ {{selector}} }', max: 0.05 }

  it('fails at once on a critical metric out of bounds, with score 0', async () => {
    const { result, progress } = analyse(
      { series: { http_errors_total: { canary: [0.2, 0, 0, 0, 0], baseline: [0, 0, 0, 0, 0] } } },
      [{ ...bounded, critical: true }],
      {
        failureLimit: 3
      }
    )
    const { verdict, score, reason } = await result
    expect(verdict).toBe('fail')
    expect(score).toBe(0)
    expect(progress).toEqual([1])
    expect(reason).toBe(
      "Critical metric error-rate failed in iteration 1: the canary's value 0.2 is above the maximum 0.05."
    )
  })

  it('tolerates failed iterations up to the failure-limit', async () => {
    const series = {
      http_errors_total: { canary: [0.01, 0.09, 0.01, 0.01, 0.01], baseline: [0, 0, 0, 0, 0] }
    }
    const tolerated = await analyse({ series }, [bounded], { failureLimit: 1 }).result
    expect(tolerated.verdict).toBe('pass')
    expect(tolerated.score).toBe(80)
    expect(tolerated.reason).toContain('1 failed iteration was tolerated by the failure-limit of 1')

    const { result, progress } = analyse({ series }, [bounded], { failureLimit: 0 })
    const strict = await result
    expect(strict.verdict).toBe('fail')
    expect(progress).toEqual([1, 2])
    expect(strict.reason).toBe(
      "Iteration 2 failed (error-rate: the canary's value 0.09 is above the maximum 0.05); 1 failed iteration, more than the failure-limit of 0."
    )
  })

  it('fails a value below min', async () => {
    const { result } = analyse(
      {
        series: {
          accuracy: { canary: [0.8, 0.8, 0.8, 0.8, 0.8], baseline: [0.9, 0.9, 0.9, 0.9, 0.9] }
        }
      },
      [{ name: 'accuracy', query: 'accuracy{ {{selector}} }', min: 0.85 }]
    )
    expect((await result).reason).toContain("the canary's value 0.8 is below the minimum 0.85")
  })

  it('weighs critical metrics twice in the iteration score', async () => {
    const series = {
      good: { canary: [1, 1, 1, 1, 1], baseline: [1, 1, 1, 1, 1] },
      bad: { canary: [9, 1, 1, 1, 1], baseline: [1, 1, 1, 1, 1] }
    }
    const { result } = analyse({ series }, [
      { name: 'good', query: 'good{ {{selector}} }', max: 5, critical: true },
      { name: 'bad', query: 'bad{ {{selector}} }', max: 5 }
    ])
    const { report } = await result
    expect(report.iterations[0]!.score).toBe(66.67)
  })
})

describe('runAnalysis: no data, NaN and infinities', () => {
  const metric = { name: 'error-rate', query: 'http_errors_total{ {{selector}} }', max: 0.05 }
  const empty = {
    series: {
      http_errors_total: {
        canary: [undefined, undefined, undefined, undefined, undefined],
        baseline: [0, 0, 0, 0, 0]
      }
    }
  }

  it.each([
    ['fail', 'fail'],
    ['inconclusive', 'inconclusive'],
    ['pass', 'pass']
  ] as const)('applies on-no-data: %s to an empty result', async (onNoData, verdict) => {
    const { result } = analyse(empty, [metric], { onNoData })
    const outcome = await result
    expect(outcome.verdict).toBe(verdict)
    expect(outcome.report.iterations[0]!.metrics[0]!.classification).toBe('nodata')
    if (onNoData === 'inconclusive')
      expect(outcome.reason).toBe(
        'No data for error-rate in 5 of 5 iterations, and on-no-data is inconclusive.'
      )
  })

  it.each([
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf']
  ])('never passes a canary value of %s, even with on-no-data: pass', async (value, shown) => {
    const { result } = analyse(
      {
        series: {
          http_errors_total: {
            canary: [value, value, value, value, value],
            baseline: [0, 0, 0, 0, 0]
          }
        }
      },
      [metric],
      {
        onNoData: 'pass'
      }
    )
    const outcome = await result
    expect(outcome.verdict).toBe('fail')
    expect(outcome.report.iterations[0]!.metrics[0]!.canary).toBe(shown)
    expect(outcome.reason).toContain(`the canary's value is ${shown}, which is never a pass`)
    // The report keeps the special value visible through JSON.
    expect(JSON.parse(JSON.stringify(outcome.report)).iterations[0].metrics[0].canary).toBe(shown)
  })

  it('fails a comparison when the baseline answered only NaN', async () => {
    const { result } = analyse(
      {
        series: {
          http_errors_total: {
            canary: [0.01, 0.01, 0.01, 0.01, 0.01],
            baseline: [NaN, NaN, NaN, NaN, NaN]
          }
        }
      },
      [{ ...ERROR_RATE, query: 'http_errors_total{ {{selector}} }' }]
    )
    const outcome = await result
    expect(outcome.verdict).toBe('fail')
    expect(outcome.reason).toContain('the baseline has no sample over the window but NaN')
  })

  it('treats an empty baseline range as no data, under the no-data policy', async () => {
    const { result } = analyse(
      {
        series: {
          http_errors_total: {
            canary: [0.01, 0.01, 0.01, 0.01, 0.01],
            baseline: [undefined, undefined, undefined, undefined, undefined]
          }
        }
      },
      [{ ...ERROR_RATE, query: 'http_errors_total{ {{selector}} }' }],
      { onNoData: 'inconclusive' }
    )
    const outcome = await result
    expect(outcome.verdict).toBe('inconclusive')
    expect(outcome.report.iterations[0]!.metrics[0]!.reason).toBe(
      'the baseline range query returned no data'
    )
  })

  it('reports a query answering several series as an error, not a value', async () => {
    const prometheus = fakePrometheus({})
    prometheus.query = async () => ({
      resultType: 'vector',
      samples: [
        { labels: { pod: 'a' }, time: 0, value: 1 },
        { labels: { pod: 'b' }, time: 0, value: 2 }
      ],
      warnings: []
    })
    const { result } = analyse({}, [metric], { prometheus, iterations: 1 })
    const outcome = await result
    expect(outcome.verdict).toBe('fail')
    expect(outcome.report.iterations[0]!.metrics[0]!.reason).toContain(
      'the query returned 2 series; a metric query must return one'
    )
  })
})

describe('runAnalysis: query errors', () => {
  const metric = { name: 'error-rate', query: 'http_errors_total{ {{selector}} }', max: 0.05 }
  const series = {
    http_errors_total: { canary: Array(10).fill(0.01), baseline: Array(10).fill(0.01) }
  }
  const down = new PrometheusError(
    'Prometheus at http://127.0.0.1:9 could not be reached: connect ECONNREFUSED',
    true
  )

  it('tolerates an error that recovers, scoring the errored iteration as not passed', async () => {
    const { result } = analyse({ series, failAt: k => (k === 2 ? down : undefined) }, [metric])
    const outcome = await result
    expect(outcome.verdict).toBe('pass')
    expect(outcome.report.iterations[1]!.status).toBe('error')
    expect(outcome.report.iterations[1]!.metrics[0]!.classification).toBe('error')
    expect(outcome.score).toBe(80)
  })

  it('fails closed when Prometheus stops answering before the end', async () => {
    const { result } = analyse({ series, failAt: k => (k >= 4 ? down : undefined) }, [metric])
    const outcome = await result
    expect(outcome.verdict).toBe('fail')
    expect(outcome.reason).toBe(
      'The analysis ended without a successful measurement: Prometheus could not be queried in the last 2 iterations (error-rate: the canary query failed: Prometheus at http://127.0.0.1:9 could not be reached: connect ECONNREFUSED). The gate fails closed.'
    )
  })

  it('stops when errors in a row exceed the consecutive-error limit', async () => {
    const { result, progress } = analyse(
      { series, failAt: k => (k >= 2 ? down : undefined) },
      [metric],
      { iterations: 10, consecutiveErrorLimit: 2 }
    )
    const outcome = await result
    expect(outcome.verdict).toBe('fail')
    expect(progress).toEqual([1, 2, 3, 4])
    expect(outcome.reason).toMatch(
      /^Prometheus could not be queried in 3 iterations in a row \(more than 2\): error-rate: the canary query failed: .*ECONNREFUSED\. The gate fails closed\.$/
    )
  })

  it('fails when every query fails from the start', async () => {
    const { result } = analyse({ series, failAt: () => down }, [metric])
    expect((await result).verdict).toBe('fail')
  })
})

describe('runAnalysis: model drift', () => {
  // Prediction-score histograms (cumulative by le) per interval: a model that answers like the
  // baseline, and one whose scores moved up by about 0.1.
  const baseline = { '0.2': 300, '0.4': 700, '0.6': 900, '0.8': 980, '1': 1000, '+Inf': 1000 }
  const same = { '0.2': 310, '0.4': 690, '0.6': 905, '0.8': 978, '1': 1000, '+Inf': 1000 }
  const shifted = { '0.2': 120, '0.4': 450, '0.6': 780, '0.8': 950, '1': 1000, '+Inf': 1000 }
  const drift = { name: 'prediction-drift', kind: 'drift', histogram: 'model_prediction_score' }

  it('passes a canary whose scores are distributed like the baseline', async () => {
    const { result, prometheus } = analyse(
      { histograms: { model_prediction_score: { canary: same, baseline } } },
      [drift]
    )
    const outcome = await result
    expect(outcome.verdict).toBe('pass')
    expect(prometheus.calls[prometheus.calls.length - 2]!.query).toBe(
      'sum by (le) (increase(model_prediction_score_bucket{ track="canary" }[5m]))'
    )
    const metric = outcome.report.iterations[4]!.metrics[0]!
    expect(metric.drift!.psi as number).toBeLessThan(0.01)
    expect(metric.reason).toMatch(
      /^the prediction score distributions match: PSI 0\.00\d+ is within 0\.2 \(5000 canary and 5000 baseline predictions\)$/
    )
  })

  it('fails a canary whose scores shifted, with the PSI in the reason', async () => {
    const { result } = analyse(
      { histograms: { model_prediction_score: { canary: shifted, baseline } } },
      [drift]
    )
    const outcome = await result
    expect(outcome.verdict).toBe('fail')
    expect(outcome.reason).toMatch(
      /^Iteration 1 failed \(prediction-drift: the canary's prediction scores drifted from the baseline's: PSI 0\.\d+ above 0\.2, chi-square p = /
    )
    const report = outcome.report.iterations[0]!.metrics[0]!.drift!
    expect(report.psi as number).toBeGreaterThan(0.2)
    expect(report.buckets.map(b => b.le)).toEqual(['0.2', '0.4', '0.6', '0.8', '1', '+Inf'])
  })

  it('does not pass a large PSI on a handful of predictions: too few to tell is no data', async () => {
    const tiny = { '0.2': 1, '0.4': 2, '0.6': 2, '0.8': 3, '1': 3, '+Inf': 3 }
    const tinyBase = { '0.2': 2, '0.4': 2, '0.6': 3, '0.8': 3, '1': 3, '+Inf': 3 }
    const { result } = analyse(
      { histograms: { model_prediction_score: { canary: tiny, baseline: tinyBase } } },
      [drift],
      { iterations: 1, onNoData: 'inconclusive' }
    )
    const outcome = await result
    const metric = outcome.report.iterations[0]!.metrics[0]!
    expect(metric.drift!.psi as number).toBeGreaterThan(0.2)
    expect(metric.classification).toBe('nodata')
    expect(metric.reason).toContain('too few to tell drift from noise')
    expect(outcome.verdict).toBe('inconclusive')
  })

  it('compares different bucket layouts on the bounds both share', async () => {
    const coarse = { '0.4': 450, '0.8': 950, '+Inf': 1000 }
    const { result } = analyse(
      { histograms: { model_prediction_score: { canary: coarse, baseline } } },
      [drift],
      { iterations: 1 }
    )
    const outcome = await result
    const metric = outcome.report.iterations[0]!.metrics[0]!
    expect(metric.drift!.buckets.map(b => b.le)).toEqual(['0.4', '0.8', '+Inf'])
    expect(metric.classification).toBe('fail')
    expect(metric.reason).toContain(
      'the bucket layouts differ, compared on the 3 bounds both share'
    )
  })

  it('fails when the two histograms share no bound but +Inf', async () => {
    const other = { '0.5': 500, '0.9': 1000, '+Inf': 1000 }
    const { result } = analyse(
      { histograms: { model_prediction_score: { canary: other, baseline } } },
      [drift],
      { iterations: 1 }
    )
    expect((await result).reason).toContain('share no bound but +Inf')
  })

  it.each([
    ['no +Inf bucket', { '0.5': 500, '1': 1000 }, 'no le="+Inf" bucket'],
    ['only the +Inf bucket', { '+Inf': 1000 }, 'only the le="+Inf" bucket']
  ])('fails a histogram with %s', async (_, canary, words) => {
    const { result } = analyse(
      { histograms: { model_prediction_score: { canary, baseline } } },
      [drift],
      { iterations: 1 }
    )
    const outcome = await result
    expect(outcome.verdict).toBe('fail')
    expect(outcome.reason).toContain(words)
  })
})

describe('runAnalysis: alerts', () => {
  const metric = { name: 'error-rate', query: 'http_errors_total{ {{selector}} }', max: 0.05 }
  const series = {
    http_errors_total: { canary: Array(5).fill(0.01), baseline: Array(5).fill(0.01) }
  }

  it('queries the named alerts each iteration and passes while none fires', async () => {
    const { result, prometheus } = analyse({ series }, [metric], {
      alerts: ['HighErrorRate', 'Model.Latency']
    })
    const outcome = await result
    expect(outcome.verdict).toBe('pass')
    const alertQueries = prometheus.calls.filter(c => c.query.startsWith('ALERTS'))
    expect(alertQueries).toHaveLength(5)
    expect(alertQueries[0]!.query).toBe(
      'ALERTS{alertstate="firing", alertname=~"HighErrorRate|Model\\\\.Latency"}'
    )
    expect(outcome.reason).toContain('No alert among HighErrorRate, Model.Latency fired.')
  })

  it('fails at once when an alert fires, naming it and its labels', async () => {
    const { result, progress } = analyse(
      {
        series,
        alerts: { 3: [{ alertname: 'HighErrorRate', track: 'canary', severity: 'page' }] }
      },
      [metric],
      {
        alerts: ['HighErrorRate'],
        failureLimit: 2
      }
    )
    const outcome = await result
    expect(outcome.verdict).toBe('fail')
    expect(outcome.score).toBe(0)
    expect(progress).toEqual([1, 2, 3])
    expect(outcome.reason).toBe(
      'In iteration 3, alert HighErrorRate {severity="page", track="canary"} is firing.'
    )
    expect(outcome.report.iterations[2]!.alerts!.firing).toEqual([
      { alertname: 'HighErrorRate', labels: { track: 'canary', severity: 'page' } }
    ])
  })

  it('runs with alerts only and no metric', async () => {
    const { result } = analyse({}, [], { alerts: ['Down'], iterations: 2 })
    expect((await result).verdict).toBe('pass')
  })
})

describe('runAnalysis: settings and report', () => {
  it('refuses to run with nothing to watch, or impossible settings', async () => {
    await expect(analyse({}, []).result).rejects.toThrow(
      new UserError('The canary gate needs at least one metric or one alert to watch.')
    )
    await expect(analyse({}, [], { alerts: ['A'], iterations: 0 }).result).rejects.toThrow(
      'at least one iteration'
    )
    await expect(analyse({}, [], { alerts: ['A'], failureLimit: -1 }).result).rejects.toThrow(
      'failure limit'
    )
  })

  it('produces a report that survives JSON and records the settings', async () => {
    const { result } = analyse(
      {
        series: {
          http_errors_total: {
            canary: around(0.01, 0.002, 5, 13),
            baseline: around(0.01, 0.002, 5, 14)
          }
        }
      },
      [ERROR_RATE],
      { alerts: ['Down'] }
    )
    const { report } = await result
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
    expect(report.settings).toEqual({
      canarySelector: 'track="canary"',
      baselineSelector: 'track="stable"',
      intervalSeconds: 60,
      iterations: 5,
      failureLimit: 0,
      consecutiveErrorLimit: 4,
      onNoData: 'fail',
      significance: 0.01,
      warmupSeconds: 120,
      alerts: ['Down']
    })
    expect(report.startedAt).toBe(new Date(START).toISOString())
    expect(report.finishedAt).toBe(new Date(START + 5 * INTERVAL_MS).toISOString())
    expect(report.iterations[0]!.windowSeconds).toBe(60)
  })
})
