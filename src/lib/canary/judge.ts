import type { Direction, ValueMetricSpec } from './metric-spec.js'
import {
  reportNumber,
  type Classification,
  type ComparisonReport,
  type ReportNumber
} from './report.js'
import {
  hodgesLehmannShift,
  mannWhitneyU,
  median,
  pointsNeeded,
  smallestPValue,
  type Alternative
} from './statistics.js'

/**
 * The judge of a value metric, pure: it sees what Prometheus answered and says pass, fail,
 * nodata or error, with a sentence why. The rules, in order:
 *
 * 1. A query that failed (after the client's retries) is `error`; never a pass.
 * 2. An empty answer (no series, or a range without points) is `nodata`; the gate's
 *    `on-no-data` policy decides what that means. Only a truly empty answer is no data.
 * 3. A canary value that is NaN or infinite is `fail`: Prometheus answering NaN (0/0 when
 *    nothing was served, a quantile past the last bucket) is never a pass, and not "no data"
 *    either, so `on-no-data: pass` cannot wave it through.
 * 4. Absolute bounds: below `min` or above `max` is `fail`.
 * 5. With `compare: baseline`, the canary's samples over the window so far against the
 *    baseline's: a one-sided Mann-Whitney U test in the bad direction (two-sided for `either`)
 *    and, as its effect size, the Hodges-Lehmann shift relative to the baseline's median. It
 *    fails only when the difference is both significant (p below the significance level) and
 *    beyond `tolerance` in the bad direction, as Kayenta's judge wants a significant shift and an
 *    effect larger than allowed. Infinite points take part (+Inf, a latency past the last
 *    histogram bucket, ranks as the worst value); NaN points are dropped and counted in the
 *    reason; when only NaN is left on a side the metric fails, since a comparison against
 *    nothing is no pass.
 * 6. A comparison whose sample sizes cannot reach the significance level (the smallest p-value
 *    the two sizes allow is not below it) has judged nothing: it is `nodata`, marked
 *    `insufficient` so that the analysis can wait for more points while iterations remain.
 */

export type Reading<T> =
  { status: 'ok'; value: T } | { status: 'empty' } | { status: 'error'; error: string }

export interface ValueObservation {
  canary: Reading<number>
  /** The canary's and baseline's points over the window so far; only with compare: baseline. */
  canarySamples?: Reading<number[]>
  baselineSamples?: Reading<number[]>
}

export interface MetricJudgement {
  classification: Classification
  reason: string
  comparison?: ComparisonReport
  /** No data because the samples are still too few to reach significance (rule 6). */
  insufficient?: boolean
}

/** Default significance level of the comparison; see bench/judge-quality.mjs for how it was chosen. */
export const DEFAULT_SIGNIFICANCE = 0.01

export function judgeValueMetric(
  spec: ValueMetricSpec,
  observation: ValueObservation,
  significance = DEFAULT_SIGNIFICANCE
): MetricJudgement {
  const { canary } = observation
  if (canary.status === 'error')
    return { classification: 'error', reason: `the canary query failed: ${canary.error}` }
  if (canary.status === 'empty')
    return { classification: 'nodata', reason: 'the canary query returned no data' }
  const value = canary.value
  if (!Number.isFinite(value)) {
    return {
      classification: 'fail',
      reason: `the canary's value is ${String(reportNumber(value))}, which is never a pass`
    }
  }
  if (spec.min !== undefined && value < spec.min) {
    return {
      classification: 'fail',
      reason: `the canary's value ${formatValue(value)} is below the minimum ${spec.min}`
    }
  }
  if (spec.max !== undefined && value > spec.max) {
    return {
      classification: 'fail',
      reason: `the canary's value ${formatValue(value)} is above the maximum ${spec.max}`
    }
  }
  const within = describeBounds(spec, value)
  if (!spec.compareBaseline) return { classification: 'pass', reason: within }

  const { canarySamples, baselineSamples } = observation
  if (!canarySamples || !baselineSamples)
    throw new Error(`metric ${spec.name} compares against the baseline but no samples were given`)
  for (const [side, reading] of [
    ['canary', canarySamples],
    ['baseline', baselineSamples]
  ] as const) {
    if (reading.status === 'error')
      return { classification: 'error', reason: `the ${side} range query failed: ${reading.error}` }
  }
  for (const [side, reading] of [
    ['canary', canarySamples],
    ['baseline', baselineSamples]
  ] as const) {
    if (reading.status === 'empty')
      return { classification: 'nodata', reason: `the ${side} range query returned no data` }
  }
  const comparison = compareSamples(
    spec,
    (canarySamples as { value: number[] }).value,
    (baselineSamples as { value: number[] }).value,
    significance
  )
  const dropped = describeDroppedNaN(comparison)
  if (comparison.canaryMedian === null || comparison.baselineMedian === null) {
    const side = comparison.canaryMedian === null ? 'canary' : 'baseline'
    return {
      classification: 'fail',
      reason: `the ${side} has no sample over the window but NaN, so there is nothing to compare${dropped}`,
      comparison
    }
  }
  if (comparison.pValue === null) {
    const sides = `${comparison.canaryPoints} canary and ${comparison.baselinePoints} baseline point${comparison.baselinePoints === 1 ? '' : 's'}`
    return {
      classification: 'nodata',
      insufficient: true,
      reason: `${within}; the comparison against the baseline cannot reach significance with ${sides} (the smallest p-value they allow is ${formatP(comparison.smallestPValue)}, needs < ${formatP(significance)}): it needs at least ${comparison.pointsNeeded} points on each side; run more iterations, or use a shorter interval or a shorter range in the query${dropped}`,
      comparison
    }
  }
  const change = describeChange(comparison)
  if (comparison.significant && comparison.beyondTolerance) {
    return {
      classification: 'fail',
      reason: `${change} against the baseline, beyond the tolerance of ${percent(spec.tolerance)} and significant (p = ${formatP(comparison.pValue)})${dropped}`,
      comparison
    }
  }
  const why = !comparison.beyondTolerance
    ? `within the tolerance of ${percent(spec.tolerance)}${spec.direction === 'either' ? '' : ` for ${article(spec.direction)} ${spec.direction}`}`
    : `not significant (p = ${formatP(comparison.pValue)}, needs < ${formatP(comparison.significance)})`
  return {
    classification: 'pass',
    reason: `${within}; ${change} against the baseline, ${why}${dropped}`,
    comparison
  }
}

function compareSamples(
  spec: ValueMetricSpec,
  canaryAll: readonly number[],
  baselineAll: readonly number[],
  significance: number
): ComparisonReport {
  const canary = canaryAll.filter(v => !Number.isNaN(v))
  const baseline = baselineAll.filter(v => !Number.isNaN(v))
  const alternative = alternativeFor(spec.direction)
  const smallest = smallestPValue(canary.length, baseline.length, alternative)
  const base: ComparisonReport = {
    test: 'mann-whitney-u',
    alternative,
    canarySamples: canaryAll.map(v => reportNumber(v)),
    baselineSamples: baselineAll.map(v => reportNumber(v)),
    canaryPoints: canary.length,
    baselinePoints: baseline.length,
    droppedNaN: {
      canary: canaryAll.length - canary.length,
      baseline: baselineAll.length - baseline.length
    },
    canaryMedian: canary.length ? reportNumber(median(canary)) : null,
    baselineMedian: baseline.length ? reportNumber(median(baseline)) : null,
    shift: null,
    relativeChange: null,
    tolerance: spec.tolerance,
    smallestPValue: smallest,
    pointsNeeded: pointsNeeded(alternative, significance),
    u: null,
    pValue: null,
    significance,
    method: null,
    significant: false,
    beyondTolerance: false
  }
  if (canary.length === 0 || baseline.length === 0 || smallest >= significance) return base
  const shift = hodgesLehmannShift(canary, baseline)
  const relativeChange = relativeShift(shift, median(baseline))
  const beyondTolerance = isBeyondTolerance(spec, relativeChange)
  const test = mannWhitneyU(canary, baseline, alternative)
  return {
    ...base,
    shift: reportNumber(shift),
    relativeChange: reportNumber(relativeChange),
    u: test.u,
    pValue: test.pValue,
    method: test.method,
    significant: test.pValue < significance,
    beyondTolerance
  }
}

/** The shift relative to the baseline's median; from a zero or infinite median any shift is infinite. */
function relativeShift(shift: number, baselineMedian: number): number {
  if (shift === 0) return 0
  if (baselineMedian === 0 || !Number.isFinite(baselineMedian) || !Number.isFinite(shift))
    return shift > 0 ? Infinity : -Infinity
  return shift / Math.abs(baselineMedian)
}

function describeDroppedNaN(comparison: ComparisonReport): string {
  const { canary, baseline } = comparison.droppedNaN
  if (canary + baseline === 0) return ''
  return ` (${canary} canary and ${baseline} baseline NaN point${canary + baseline === 1 ? '' : 's'} left out)`
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a'
}

/** The test's alternative for the change that is bad: `increase` asks whether the canary is greater. */
export function alternativeFor(direction: Direction): Alternative {
  return direction === 'increase' ? 'greater' : direction === 'decrease' ? 'less' : 'two-sided'
}

/** Whether a relative change goes beyond the tolerance in the bad direction. */
export function isBeyondTolerance(
  spec: { direction: Direction; tolerance: number },
  relativeChange: number
): boolean {
  return spec.direction === 'increase'
    ? relativeChange > spec.tolerance
    : spec.direction === 'decrease'
      ? relativeChange < -spec.tolerance
      : Math.abs(relativeChange) > spec.tolerance
}

/** Relative change of the canary against the baseline; from a zero baseline any rise is infinite. */
export function relativeDifference(canary: number, baseline: number): number {
  if (baseline === 0) return canary === 0 ? 0 : canary > 0 ? Infinity : -Infinity
  return (canary - baseline) / Math.abs(baseline)
}

function describeBounds(spec: ValueMetricSpec, value: number): string {
  const bounds = [
    spec.min !== undefined ? `min ${spec.min}` : '',
    spec.max !== undefined ? `max ${spec.max}` : ''
  ].filter(Boolean)
  return bounds.length
    ? `the canary's value ${formatValue(value)} is within ${bounds.join(' and ')}`
    : `the canary's value is ${formatValue(value)}`
}

function describeChange(comparison: ComparisonReport): string {
  const change = comparison.relativeChange
  const medians = `canary median ${formatReportNumber(comparison.canaryMedian)}, baseline median ${formatReportNumber(comparison.baselineMedian)}`
  const shift = 'Hodges-Lehmann shift'
  if (typeof change !== 'number') {
    const fromZero = comparison.baselineMedian === 0
    const words =
      change === '+Inf'
        ? fromZero
          ? 'up from zero'
          : 'up to +Inf'
        : change === '-Inf'
          ? fromZero
            ? 'down from zero'
            : 'down to -Inf'
          : 'not comparable'
    return `${medians}: ${shift} ${words}`
  }
  if (change === 0) return `${medians}: no shift`
  return `${medians}: ${shift} ${change > 0 ? '+' : ''}${(change * 100).toFixed(1)}%`
}

function formatReportNumber(value: ReportNumber): string {
  return typeof value === 'number' ? formatValue(value) : String(value)
}

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(reportNumber(value))
  if (value === 0) return '0'
  const abs = Math.abs(value)
  return abs >= 1e5 || abs < 1e-4 ? value.toExponential(3) : String(Number(value.toPrecision(4)))
}

export function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(4))}%`
}

export function formatP(p: number | null): string {
  if (p === null) return 'n/a'
  return p < 0.0001 ? p.toExponential(1) : String(Number(p.toPrecision(3)))
}
