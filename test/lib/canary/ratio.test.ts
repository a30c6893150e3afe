import { runAnalysis } from '../../../src/lib/canary/analysis.js'
import { parseMetricSpecs } from '../../../src/lib/canary/metric-spec.js'
import { fakeClock, fakePrometheus, INTERVAL_MS, type FakeSeries } from './fake-prometheus.js'

// kind: ratio judges an error rate on its counts over the window, with the exact test of two
// rates: every request counts once, whatever the interval.
const ERROR_RATE = {
  name: 'error-rate',
  kind: 'ratio',
  errors: 'sum(increase(http_errors_total{ {{selector}} }[{{window}}]))',
  total: 'sum(increase(http_requests_total{ {{selector}} }[{{window}}]))',
  max: 0.05,
  compare: 'baseline',
  critical: true
}

/** Counts over the window so far: `perInterval` requests and `rate` of them failing, per side. */
function counts(perInterval: number, canaryRate: number, baselineRate: number, iterations = 5) {
  const grow = (per: number) => Array.from({ length: iterations }, (_, i) => per * (i + 1))
  return {
    http_errors_total: {
      canary: grow(perInterval * canaryRate),
      baseline: grow(perInterval * baselineRate)
    },
    http_requests_total: { canary: grow(perInterval), baseline: grow(perInterval) }
  } satisfies Record<string, FakeSeries>
}

async function analyse(series: Record<string, FakeSeries>, iterations = 5) {
  const clock = fakeClock()
  const prometheus = fakePrometheus({ series })
  const outcome = await runAnalysis({
    prometheus,
    metrics: parseMetricSpecs([ERROR_RATE]),
    canarySelector: 'track="canary"',
    baselineSelector: 'track="stable"',
    intervalMs: INTERVAL_MS,
    iterations,
    failureLimit: 0,
    onNoData: 'fail',
    now: clock.now,
    sleep: clock.sleep
  })
  return { outcome, prometheus }
}

describe('kind: ratio', () => {
  it('fails a canary at three times the baseline error rate when the counts can show it', async () => {
    // 1.5% against 0.5% at 10 requests/s: 600 requests a minute per side.
    const { outcome, prometheus } = await analyse(counts(600, 0.015, 0.005))
    expect(outcome.verdict).toBe('fail')
    const metric = outcome.report.iterations.at(-1)!.metrics[0]!
    expect(metric.kind).toBe('ratio')
    expect(metric.rates).toMatchObject({
      test: 'conditional-binomial',
      canaryErrors: expect.any(Number),
      canaryTotal: expect.any(Number),
      significant: true,
      beyondTolerance: true
    })
    expect(outcome.reason).toMatch(
      /error-rate failed in iteration \d: the canary's ratio 0\.015 \(\d+ of \d+\) against the baseline's 0\.005 \(\d+ of \d+\): \+200\.0%, beyond the tolerance of 10% and significant \(p = /
    )
    expect(prometheus.calls[0]!.query).toMatch(
      /^sum\(increase\(http_\w+_total\{ track="\w+" \}\[1m\]\)\)$/
    )
  })

  it('is no data, never a pass, when too few events can be significant', async () => {
    // 3 errors against 1 over 600 requests each: the worst split of 4 events has p = 1/16.
    const series = {
      http_errors_total: { canary: [3], baseline: [1] },
      http_requests_total: { canary: [600], baseline: [600] }
    }
    const { outcome } = await analyse(series, 1)
    const metric = outcome.report.iterations[0]!.metrics[0]!
    expect(metric.classification).toBe('nodata')
    expect(metric.reason).toContain(
      '4 events cannot be significant (the smallest p-value they allow is 0.0625, needs < 0.007)'
    )
    expect(outcome.verdict).toBe('fail')
  })

  it('passes a healthy canary, also when neither side had an error', async () => {
    expect((await analyse(counts(600, 0.01, 0.01))).outcome.verdict).toBe('pass')
    const { outcome } = await analyse(counts(600, 0, 0))
    expect(outcome.verdict).toBe('pass')
    expect(outcome.report.iterations[4]!.metrics[0]!.reason).toContain('no change')
  })

  it('fails the absolute bound on the canary ratio, and no requests is no data', async () => {
    const { outcome } = await analyse(counts(600, 0.08, 0.08), 1)
    expect(outcome.reason).toContain('is above the maximum 0.05')
    const idle = await analyse(counts(0, 0, 0), 1)
    expect(idle.outcome.reason).toContain('the canary served no requests over the window')
  })
})
