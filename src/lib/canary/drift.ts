import type { InstantSample } from '../prometheus/client.js'
import type { Reading, MetricJudgement } from './judge.js'
import { formatP, formatValue } from './judge.js'
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
 * Chi-square needs counts, so the query must give bucket counts (`increase()` over the window;
 * metric-spec.ts refuses rate(), irate() and deriv()). A histogram without its `+Inf` bucket, or
 * with nothing but `+Inf`, cannot be read and fails; when the two sides have different bucket
 * layouts they are compared on the bounds both share (cumulative counts at a shared bound are
 * exact, so merging buckets loses resolution, never correctness), and sharing none but `+Inf`
 * fails. No predictions on either side is no data; a NaN or infinite bucket count fails.
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
  const canary = readHistogram((observation.canary as { value: InstantSample[] }).value)
  const baseline = readHistogram((observation.baseline as { value: InstantSample[] }).value)
  for (const [side, counts] of [
    ['canary', canary],
    ['baseline', baseline]
  ] as const) {
    if (typeof counts === 'string')
      return { classification: 'fail', reason: `the ${side} histogram cannot be read: ${counts}` }
  }
  const layout = sharedLayout(canary as Cumulative, baseline as Cumulative)
  if (typeof layout === 'string') return { classification: 'fail', reason: layout }
  const c = layout.canary
  const b = layout.baseline
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
  const counts = `${formatValue(canaryCount)} canary and ${formatValue(baselineCount)} baseline predictions${layout.note}`
  if (psi > spec.max && chi.pValue < significance) {
    return {
      classification: 'fail',
      reason: `the canary's prediction scores drifted from the baseline's: PSI ${formatValue(psi)} above ${spec.max}, chi-square p = ${formatP(chi.pValue)} (${counts})`,
      psi,
      drift
    }
  }
  if (psi > spec.max) {
    // A large PSI that sampling noise could explain: too few predictions to tell, not a pass.
    return {
      classification: 'nodata',
      insufficient: true,
      reason: `PSI ${formatValue(psi)} is above ${spec.max} but the predictions are too few to tell drift from noise (chi-square p = ${formatP(chi.pValue)}, needs < ${formatP(significance)}; ${counts}): send more traffic or analyse longer`,
      psi,
      drift
    }
  }
  return {
    classification: 'pass',
    reason: `the prediction score distributions match: PSI ${formatValue(psi)} is within ${spec.max} (${counts})`,
    psi,
    drift
  }
}

interface BucketCounts {
  bounds: string[]
  counts: number[]
}

/** A histogram's cumulative counts by upper bound, sorted, the last one `+Inf`. */
interface Cumulative {
  bounds: number[]
  values: number[]
}

/** Counts per bucket of cumulative `le` buckets; a description of the problem when unusable. */
export function bucketCounts(samples: readonly InstantSample[]): BucketCounts | string {
  const histogram = readHistogram(samples)
  return typeof histogram === 'string' ? histogram : countsOn(histogram, histogram.bounds)
}

/** Cumulative `le` buckets as read; a description of the problem when they are unusable. */
function readHistogram(samples: readonly InstantSample[]): Cumulative | string {
  const byBound = new Map<number, number>()
  for (const sample of samples) {
    const le = sample.labels.le
    if (le === undefined)
      return 'a series has no le label (the query must give the histogram buckets by le)'
    const bound = le === '+Inf' ? Infinity : Number(le)
    if (Number.isNaN(bound)) return `a bucket has le="${le}", which is not a number`
    if (byBound.has(bound)) return `bucket le="${le}" appears twice (aggregate with sum by (le))`
    if (!Number.isFinite(sample.value))
      return `bucket le="${le}" is ${String(reportNumber(sample.value))}`
    byBound.set(bound, sample.value)
  }
  const sorted = [...byBound.entries()].sort((x, y) => x[0] - y[0])
  if (sorted.length === 0) return 'no buckets'
  if (!byBound.has(Infinity))
    return 'it has no le="+Inf" bucket, so the predictions above the last bound are missing'
  if (sorted.length === 1)
    return 'it has only the le="+Inf" bucket, so there is no distribution to compare'
  return { bounds: sorted.map(([bound]) => bound), values: sorted.map(([, value]) => value) }
}

/**
 * Both sides' counts per bucket on the bounds they share. The cumulative count at a bound does
 * not depend on the other bounds, so differences at shared bounds are exact bucket counts.
 */
function sharedLayout(
  canary: Cumulative,
  baseline: Cumulative
): { canary: BucketCounts; baseline: BucketCounts; note: string } | string {
  const shared = canary.bounds.filter(bound => baseline.bounds.includes(bound))
  if (shared.length < 2) {
    return `the canary's histogram buckets (${canary.bounds.map(formatBound).join(', ')}) share no bound but +Inf with the baseline's (${baseline.bounds.map(formatBound).join(', ')}), so the distributions cannot be compared`
  }
  const differs = shared.length !== canary.bounds.length || shared.length !== baseline.bounds.length
  return {
    canary: countsOn(canary, shared),
    baseline: countsOn(baseline, shared),
    note: differs
      ? `; the bucket layouts differ, compared on the ${shared.length} bounds both share`
      : ''
  }
}

function countsOn(histogram: Cumulative, bounds: readonly number[]): BucketCounts {
  let previous = 0
  const counts = bounds.map(bound => {
    const value = histogram.values[histogram.bounds.indexOf(bound)] as number
    // increase() extrapolates each bucket separately, so neighbouring cumulative counts can be
    // out of order by a fraction; a negative difference is such noise, not a count.
    const count = Math.max(0, value - previous)
    previous = Math.max(previous, value)
    return count
  })
  return { bounds: bounds.map(formatBound), counts }
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
