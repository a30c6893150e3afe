import { bucketCounts } from '../../../src/lib/canary/drift.js'
import { judgeValueMetric, relativeDifference } from '../../../src/lib/canary/judge.js'
import type { InstantSample } from '../../../src/lib/prometheus/client.js'
import type { ValueMetricSpec } from '../../../src/lib/canary/metric-spec.js'

const spec: ValueMetricSpec = {
  kind: 'value',
  name: 'error-rate',
  query: 'q',
  compareBaseline: true,
  direction: 'increase',
  tolerance: 0.1,
  critical: false
}
const ok = <T>(value: T) => ({ status: 'ok' as const, value })

describe('judgeValueMetric', () => {
  it('judges the bounds before the comparison', () => {
    const judged = judgeValueMetric(
      { ...spec, max: 0.02 },
      { canary: ok(0.03), canarySamples: ok([0.01]), baselineSamples: ok([0.01]) }
    )
    expect(judged).toEqual({
      classification: 'fail',
      reason: "the canary's value 0.03 is above the maximum 0.02"
    })
  })

  it('classifies a failed range query as an error, before any no data', () => {
    const judged = judgeValueMetric(spec, {
      canary: ok(0.01),
      canarySamples: { status: 'empty' },
      baselineSamples: { status: 'error', error: 'HTTP 503' }
    })
    expect(judged).toEqual({
      classification: 'error',
      reason: 'the baseline range query failed: HTTP 503'
    })
  })

  it('leaves NaN points out of the test and counts them', () => {
    const judged = judgeValueMetric(spec, {
      canary: ok(0.02),
      canarySamples: ok([NaN, 0.021, 0.022, 0.02, 0.023, 0.019]),
      baselineSamples: ok([0.01, 0.011, NaN, 0.009, 0.0105, 0.0095])
    })
    expect(judged.classification).toBe('fail')
    expect(judged.comparison).toMatchObject({
      droppedNaN: { canary: 1, baseline: 1 },
      canarySamples: ['NaN', 0.021, 0.022, 0.02, 0.023, 0.019],
      u: 25,
      method: 'exact'
    })
  })

  it('passes identical samples without calling them significant', () => {
    const samples = [0.01, 0.012, 0.011, 0.009, 0.0105]
    const judged = judgeValueMetric(spec, {
      canary: ok(0.01),
      canarySamples: ok(samples),
      baselineSamples: ok(samples)
    })
    expect(judged.classification).toBe('pass')
    expect(judged.reason).toBe(
      "the canary's value is 0.01; canary median 0.0105, baseline median 0.0105: no shift against the baseline, within the tolerance of 10% for an increase"
    )
  })

  it('treats errors appearing where the baseline has none as an infinite rise', () => {
    expect(relativeDifference(0.01, 0)).toBe(Infinity)
    expect(relativeDifference(0, 0)).toBe(0)
    const judged = judgeValueMetric(spec, {
      canary: ok(0.01),
      canarySamples: ok([0.01, 0.02, 0.01, 0.03, 0.02]),
      baselineSamples: ok([0, 0, 0, 0, 0])
    })
    expect(judged.classification).toBe('fail')
    expect(judged.reason).toContain('Hodges-Lehmann shift up from zero against the baseline')
  })
})

describe('bucketCounts', () => {
  const sample = (le: string | undefined, value: number): InstantSample => ({
    labels: le === undefined ? {} : { le },
    time: 0,
    value
  })

  it('turns cumulative buckets into counts in order of le, whatever the order given', () => {
    expect(bucketCounts([sample('+Inf', 10), sample('0.5', 4), sample('0.1', 1)])).toEqual({
      bounds: ['0.1', '0.5', '+Inf'],
      counts: [1, 3, 6]
    })
  })

  it('clamps the small negative steps that increase() extrapolation leaves', () => {
    expect(bucketCounts([sample('0.1', 2.02), sample('0.5', 2), sample('+Inf', 5)])).toEqual({
      bounds: ['0.1', '0.5', '+Inf'],
      counts: [2.02, 0, expect.closeTo(2.98, 10)]
    })
  })

  it('explains buckets it cannot read', () => {
    expect(bucketCounts([sample(undefined, 1)])).toMatch(/no le label/)
    expect(bucketCounts([sample('0.1', 1), sample('0.1', 2)])).toMatch(/appears twice/)
    expect(bucketCounts([sample('abc', 1)])).toMatch(/not a number/)
    expect(bucketCounts([sample('0.1', NaN)])).toBe('bucket le="0.1" is NaN')
  })
})
