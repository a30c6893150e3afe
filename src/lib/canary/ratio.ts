import type { Reading, MetricJudgement } from './judge.js'
import { alternativeFor, formatP, formatValue, isBeyondTolerance, percent } from './judge.js'
import type { RatioMetricSpec } from './metric-spec.js'
import { reportNumber, type RatioReport } from './report.js'
import { conditionalRateTest } from './statistics.js'

/**
 * A ratio metric (an error rate): two counters, `errors` and `total`, each read as a count over
 * the analysis window (`increase(...[{{window}}])`) for the canary and the baseline. Judging on
 * the counts, rather than on a series of per-interval ratios, is what makes this the strongest
 * judge the data allow: every request counts once, whatever the interval or the range.
 *
 * The rules, in order: a failed query is `error`; no answer, or no request on a side, is
 * `nodata`; a count that is NaN, infinite or negative fails (never a pass); the canary's ratio
 * outside `min`/`max` fails. With `compare: baseline`, the conditional exact test of two rates
 * (statistics.ts) in the bad direction: the metric fails when the rate change is significant and
 * beyond `tolerance`. When the change is beyond tolerance but not significant, and even every
 * event on the bad side could not have been significant (too few events so far), the metric has
 * judged nothing: `nodata`, marked insufficient, never a pass.
 */

export interface RatioObservation {
  canaryErrors: Reading<number>
  canaryTotal: Reading<number>
  baselineErrors?: Reading<number>
  baselineTotal?: Reading<number>
}

export interface RatioJudgement extends MetricJudgement {
  ratio?: number
  baselineRatio?: number
  rates?: RatioReport
}

export function judgeRatioMetric(
  spec: RatioMetricSpec,
  observation: RatioObservation,
  significance: number
): RatioJudgement {
  const readings = [
    ['canary errors', observation.canaryErrors],
    ['canary total', observation.canaryTotal],
    ...(spec.compareBaseline
      ? ([
          ['baseline errors', observation.baselineErrors],
          ['baseline total', observation.baselineTotal]
        ] as const)
      : [])
  ] as const
  for (const [what, reading] of readings) {
    if (!reading) throw new Error(`metric ${spec.name}: the ${what} was not queried`)
    if (reading.status === 'error')
      return { classification: 'error', reason: `the ${what} query failed: ${reading.error}` }
  }
  for (const [what, reading] of readings) {
    if (reading?.status === 'empty')
      return { classification: 'nodata', reason: `the ${what} query returned no data` }
  }
  for (const [what, reading] of readings) {
    const value = (reading as { value: number }).value
    if (!Number.isFinite(value) || value < 0)
      return {
        classification: 'fail',
        reason: `the ${what} is ${String(reportNumber(value))}, which is not a count (never a pass)`
      }
  }
  const count = (reading: Reading<number> | undefined): number =>
    (reading as { value: number }).value
  const canaryErrors = count(observation.canaryErrors)
  const canaryTotal = count(observation.canaryTotal)
  if (canaryTotal <= 0)
    return { classification: 'nodata', reason: 'the canary served no requests over the window' }
  const ratio = canaryErrors / canaryTotal
  const counts = `${formatValue(canaryErrors)} of ${formatValue(canaryTotal)}`
  if (spec.max !== undefined && ratio > spec.max)
    return {
      classification: 'fail',
      reason: `the canary's ratio ${formatValue(ratio)} (${counts}) is above the maximum ${spec.max}`,
      ratio
    }
  if (spec.min !== undefined && ratio < spec.min)
    return {
      classification: 'fail',
      reason: `the canary's ratio ${formatValue(ratio)} (${counts}) is below the minimum ${spec.min}`,
      ratio
    }
  const within = `the canary's ratio is ${formatValue(ratio)} (${counts})`
  if (!spec.compareBaseline) return { classification: 'pass', reason: within, ratio }

  const baselineErrors = count(observation.baselineErrors)
  const baselineTotal = count(observation.baselineTotal)
  if (baselineTotal <= 0)
    return { classification: 'nodata', reason: 'the baseline served no requests over the window' }
  const baselineRatio = baselineErrors / baselineTotal
  const alternative = alternativeFor(spec.direction)
  const test = conditionalRateTest(
    canaryErrors,
    canaryTotal,
    baselineErrors,
    baselineTotal,
    alternative
  )
  const relativeChange =
    baselineRatio === 0 ? (ratio === 0 ? 0 : Infinity) : (ratio - baselineRatio) / baselineRatio
  const beyondTolerance = isBeyondTolerance(spec, relativeChange)
  const significant = test.pValue < significance
  const rates: RatioReport = {
    test: 'conditional-binomial',
    alternative,
    canaryErrors,
    canaryTotal,
    baselineErrors,
    baselineTotal,
    canaryRatio: ratio,
    baselineRatio,
    relativeChange: reportNumber(relativeChange),
    tolerance: spec.tolerance,
    pValue: test.pValue,
    smallestPValue: test.smallestPValue,
    significance,
    significant,
    beyondTolerance
  }
  const change = `the canary's ratio ${formatValue(ratio)} (${counts}) against the baseline's ${formatValue(baselineRatio)} (${formatValue(baselineErrors)} of ${formatValue(baselineTotal)}): ${describeRelative(relativeChange)}`
  const judged = { ratio, baselineRatio, rates }
  if (significant && beyondTolerance)
    return {
      classification: 'fail',
      reason: `${change}, beyond the tolerance of ${percent(spec.tolerance)} and significant (p = ${formatP(test.pValue)})`,
      ...judged
    }
  if (beyondTolerance && test.smallestPValue >= significance)
    return {
      classification: 'nodata',
      insufficient: true,
      reason: `${change}, beyond the tolerance of ${percent(spec.tolerance)}, but ${formatValue(test.events)} event${test.events === 1 ? '' : 's'} cannot be significant (the smallest p-value they allow is ${formatP(test.smallestPValue)}, needs < ${formatP(significance)}): analyse longer or send more traffic to the canary`,
      ...judged
    }
  const why = beyondTolerance
    ? `not significant (p = ${formatP(test.pValue)}, needs < ${formatP(significance)})`
    : `within the tolerance of ${percent(spec.tolerance)}`
  return { classification: 'pass', reason: `${change}, ${why}`, ...judged }
}

function describeRelative(change: number): string {
  if (change === Infinity) return 'up from zero'
  if (change === 0) return 'no change'
  return `${change > 0 ? '+' : ''}${(change * 100).toFixed(1)}%`
}
