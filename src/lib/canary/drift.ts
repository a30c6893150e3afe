import type { InstantSample } from '../prometheus/client.js'
import type { Reading, MetricJudgement } from './judge.js'
import { formatValue } from './judge.js'
import type { DriftMetricSpec } from './metric-spec.js'
import { reportNumber, type DriftBucket, type DriftReport } from './report.js'
import { chiSquareSf } from './statistics.js'

/**
 * Model drift: does the canary's model answer with a different distribution of prediction
 * scores than the baseline's? Both come from one Prometheus histogram (cumulative `le`
 * buckets, increased over the analysis window), turned into per-bucket counts.
 *
 * Two numbers decide, and both must agree for a failure:
 * - the population stability index, PSI = sum over buckets of (c - b) * ln(c / b) with c and b
 *   the canary's and baseline's shares of each bucket (empty shares floored at 1e-4, the usual
 *   practice, so one empty bucket does not make it infinite). It measures how large the shift
 *   is; the customary reading is below 0.1 stable, 0.1 to 0.2 moderate, above 0.2 a significant
 *   shift, hence the default `max: 0.2`;
 * - a chi-square test of homogeneity of the 2 x k table of counts, which says whether the shift
 *   is more than sampling noise: with a few dozen predictions per side PSI alone swings above
 *   0.2 by chance, and the gate must not fail a healthy canary for lack of traffic.
 * The metric fails when PSI > max and the chi-square p-value is below the significance level.
 * Different bucket boundaries on the two sides fail (they cannot be compared); no predictions
 * on either side is no data; a NaN or infinite bucket count fails.
 */

const SHARE_FLOOR = 1e-4

export interface DriftObservation {
  canary: Reading<InstantSample[]>
  baseline: Reading<InstantSample[]>
}

export interface DriftJudgement extends MetricJudgement {
  psi?: number
  drift?: DriftReport
}

export function judgeDriftMetric(
  spec: DriftMetricSpec,
  observation: DriftObservation,
  significance: number
): DriftJudgement {
  for (const [side, reading] of [
    ['canary', observation.canary],
    ['baseline', observation.baseline]
  ] as const) {
    if (reading.status === 'error')
      return {
        classification: 'error',
        reason: `the ${side} histogram query failed: ${reading.error}`
      }
  }
  for (const [side, reading] of [
    ['canary', observation.canary],
    ['baseline', observation.baseline]
  ] as const) {
    if (reading.status === 'empty')
      return { classification: 'nodata', reason: `the ${side} histogram query returned no buckets` }
  }
  const canary = bucketCounts((observation.canary as { value: InstantSample[] }).value)
  const baseline = bucketCounts((observation.baseline as { value: InstantSample[] }).value)
  for (const [side, counts] of [
    ['canary', canary],
    ['baseline', baseline]
  ] as const) {
    if (typeof counts === 'string')
      return { classification: 'fail', reason: `the ${side} histogram cannot be read: ${counts}` }
  }
  const c = canary as BucketCounts
  const b = baseline as BucketCounts
  if (c.bounds.join(',') !== b.bounds.join(',')) {
    return {
      classification: 'fail',
      reason: `the canary's histogram buckets (${c.bounds.join(', ')}) differ from the baseline's (${b.bounds.join(', ')}), so the distributions cannot be compared`
    }
  }
  const buckets: DriftBucket[] = c.bounds.map((le, i) => ({
    le,
    canary: c.counts[i] as number,
    baseline: b.counts[i] as number
  }))
  const canaryCount = sum(c.counts)
  const baselineCount = sum(b.counts)
  if (canaryCount <= 0 || baselineCount <= 0) {
    const side = canaryCount <= 0 ? 'canary' : 'baseline'
    return { classification: 'nodata', reason: `the ${side} made no predictions over the window` }
  }
  const psi = populationStabilityIndex(c.counts, b.counts)
  const chi = chiSquareHomogeneity(c.counts, b.counts)
  const drift: DriftReport = {
    test: 'psi+chi-square',
    psi: reportNumber(psi),
    threshold: spec.max,
    chiSquare: reportNumber(chi.statistic),
    degreesOfFreedom: chi.degrees,
    pValue: chi.pValue,
    significance,
    canaryCount,
    baselineCount,
    buckets
  }
  const counts = `${formatValue(canaryCount)} canary and ${formatValue(baselineCount)} baseline predictions`
  if (psi > spec.max && chi.pValue < significance) {
    return {
      classification: 'fail',
      reason: `the canary's prediction scores drifted from the baseline's: PSI ${formatValue(psi)} above ${spec.max}, chi-square p = ${formatP(chi.pValue)} (${counts})`,
      psi,
      drift
    }
  }
  const why =
    psi <= spec.max
      ? `PSI ${formatValue(psi)} is within ${spec.max}`
      : `PSI ${formatValue(psi)} is above ${spec.max} but not significant (chi-square p = ${formatP(chi.pValue)})`
  return {
    classification: 'pass',
    reason: `the prediction score distributions match: ${why} (${counts})`,
    psi,
    drift
  }
}

interface BucketCounts {
  bounds: string[]
  counts: number[]
}

/** Cumulative `le` buckets to counts per bucket; a description of the problem when they are unusable. */
export function bucketCounts(samples: readonly InstantSample[]): BucketCounts | string {
  const byBound = new Map<number, { le: string; value: number }>()
  for (const sample of samples) {
    const le = sample.labels.le
    if (le === undefined)
      return 'a series has no le label (the query must give the histogram buckets by le)'
    const bound = le === '+Inf' ? Infinity : Number(le)
    if (Number.isNaN(bound)) return `a bucket has le="${le}", which is not a number`
    if (byBound.has(bound)) return `bucket le="${le}" appears twice (aggregate with sum by (le))`
    if (!Number.isFinite(sample.value))
      return `bucket le="${le}" is ${String(reportNumber(sample.value))}`
    byBound.set(bound, { le: formatBound(bound), value: sample.value })
  }
  const sorted = [...byBound.entries()].sort((x, y) => x[0] - y[0])
  if (sorted.length === 0) return 'no buckets'
  let previous = 0
  const counts = sorted.map(([, { value }]) => {
    // increase() extrapolates each bucket separately, so neighbouring cumulative counts can be
    // out of order by a fraction; a negative difference is such noise, not a count.
    const count = Math.max(0, value - previous)
    previous = Math.max(previous, value)
    return count
  })
  return { bounds: sorted.map(([, { le }]) => le), counts }
}

function formatBound(bound: number): string {
  return bound === Infinity ? '+Inf' : String(bound)
}

export function populationStabilityIndex(
  canary: readonly number[],
  baseline: readonly number[]
): number {
  const totalC = sum(canary)
  const totalB = sum(baseline)
  let psi = 0
  for (let i = 0; i < canary.length; i++) {
    const c = Math.max((canary[i] as number) / totalC, SHARE_FLOOR)
    const b = Math.max((baseline[i] as number) / totalB, SHARE_FLOOR)
    psi += (c - b) * Math.log(c / b)
  }
  return psi
}

/** Pearson's chi-square test that two count vectors come from one distribution. */
export function chiSquareHomogeneity(
  canary: readonly number[],
  baseline: readonly number[]
): { statistic: number; degrees: number; pValue: number } {
  const totalC = sum(canary)
  const totalB = sum(baseline)
  const total = totalC + totalB
  let statistic = 0
  let used = 0
  for (let i = 0; i < canary.length; i++) {
    const column = (canary[i] as number) + (baseline[i] as number)
    if (column <= 0) continue
    used++
    const expectedC = (column * totalC) / total
    const expectedB = (column * totalB) / total
    statistic +=
      ((canary[i] as number) - expectedC) ** 2 / expectedC +
      ((baseline[i] as number) - expectedB) ** 2 / expectedB
  }
  const degrees = Math.max(0, used - 1)
  return { statistic, degrees, pValue: degrees === 0 ? 1 : chiSquareSf(statistic, degrees) }
}

function sum(values: readonly number[]): number {
  let total = 0
  for (const v of values) total += v
  return total
}

function formatP(p: number): string {
  return p < 0.0001 ? p.toExponential(1) : p.toFixed(4)
}
