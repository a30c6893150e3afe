/**
 * The metric gate: each metric against its absolute bounds and against the baseline, with a
 * policy for metrics that are missing. Fails closed: NaN, infinities and values that are not
 * numbers never pass a bound.
 */
import type { MetricValue, Metrics } from './metrics.js'
import { describeAllowance, type Threshold } from './thresholds.js'

export type OnNoData = 'fail' | 'warn' | 'pass'
export const ON_NO_DATA: readonly OnNoData[] = ['fail', 'warn', 'pass']

/** `pass`/`fail` judged; `no-data` missing (outcome per on-no-data); `info` has no threshold. */
export type MetricVerdict = 'pass' | 'fail' | 'no-data' | 'info'

export interface MetricResult {
  metric: string
  /** null when missing or not a finite number. */
  value: number | null
  /** What the file held when it was not a finite number (`NaN`, `"high"`, a list...). */
  invalid?: string
  baseline: number | null
  /** value - baseline, when both are numbers. */
  delta: number | null
  /** The bounds in words, e.g. `≥ 0.9; regression ≤ 2% (higher is better)`. */
  bound: string
  verdict: MetricVerdict
  /** Whether this metric lets the gate pass (no-data follows on-no-data). */
  ok: boolean
  /** Why it failed or was not judged; empty when it passed. */
  reasons: string[]
}

export interface Regression {
  metric: string
  value: number
  baseline: number
  better: 'higher' | 'lower'
  /** How much worse than the baseline, in the metric's unit (always > 0 here). */
  worsening: number
  /** The allowed worsening, in the metric's unit. */
  allowed: number
  /** The allowance as configured: `0.01` or `2%`. */
  maxRegression: string
}

export interface Judgement {
  passed: boolean
  results: MetricResult[]
  regressions: Regression[]
}

export interface JudgeOptions {
  onNoData: OnNoData
  /** Without a baseline, regressions are not judged (and each result says so). */
  baseline?: Metrics
  /** Why there is no baseline value, for the reasons column (e.g. "no baseline given"). */
  noBaselineReason?: string
  /**
   * The baseline was expected but is not there (its file is absent): regressions that cannot be
   * judged follow on-no-data. Without it, no baseline means there is none yet (no release, nothing
   * deployed), and regressions are only reported as not judged.
   */
  baselineMissing?: boolean
}

/** The start of the reason given when a regression could not be judged (no baseline value). */
export const NOT_JUDGED = 'regression not judged'

// Metrics are rounded floats: a worsening of exactly the allowance must not fail by 1e-17. The
// slack is relative to the values compared, so metrics on a tiny scale are judged as finely.
const RELATIVE_EPSILON = 1e-9

export function judgeMetrics(
  metrics: Metrics,
  thresholds: Threshold[],
  options: JudgeOptions
): Judgement {
  const results: MetricResult[] = []
  const regressions: Regression[] = []
  const judged = new Set<string>()
  for (const threshold of thresholds) {
    judged.add(threshold.metric)
    const outcome = judgeOne(metrics.get(threshold.metric), threshold, options)
    results.push(outcome.result)
    if (outcome.regression) regressions.push(outcome.regression)
  }
  for (const [metric, value] of [...metrics].sort(([a], [b]) => a.localeCompare(b))) {
    if (judged.has(metric)) continue
    const number = finite(value)
    const baseline = finite(options.baseline?.get(metric))
    results.push({
      metric,
      value: number,
      ...(number === null && value ? { invalid: shown(value) } : {}),
      baseline,
      delta: number !== null && baseline !== null ? number - baseline : null,
      bound: '',
      verdict: 'info',
      ok: true,
      reasons: []
    })
  }
  return { passed: results.every(r => r.ok), results, regressions }
}

function judgeOne(
  metricValue: MetricValue | undefined,
  threshold: Threshold,
  options: JudgeOptions
): { result: MetricResult; regression?: Regression } {
  const value = finite(metricValue)
  const baselineValue = options.baseline?.get(threshold.metric)
  const baseline = finite(baselineValue)
  const result: MetricResult = {
    metric: threshold.metric,
    value,
    baseline,
    delta: value !== null && baseline !== null ? value - baseline : null,
    bound: describeBound(threshold),
    verdict: 'pass',
    ok: true,
    reasons: []
  }

  if (metricValue === undefined) {
    result.verdict = 'no-data'
    result.ok = options.onNoData !== 'fail'
    result.reasons.push(`missing from the metrics file (on-no-data: ${options.onNoData})`)
    return { result }
  }
  if (value === null) {
    // A value that is there but is not a finite number is a broken measurement, not missing
    // data: it fails whatever on-no-data says.
    result.invalid = shown(metricValue)
    result.verdict = 'fail'
    result.ok = false
    result.reasons.push(`${result.invalid} is not a finite number`)
    return { result }
  }

  if (threshold.min !== undefined && !(value >= threshold.min)) {
    result.reasons.push(`${format(value)} is below the minimum ${format(threshold.min)}`)
  }
  if (threshold.max !== undefined && !(value <= threshold.max)) {
    result.reasons.push(`${format(value)} is above the maximum ${format(threshold.max)}`)
  }

  let regression: Regression | undefined
  if (threshold.maxRegression && threshold.better) {
    if (baseline === null) {
      const why =
        baselineValue !== undefined
          ? `the baseline's ${shown(baselineValue)} is not a finite number`
          : options.baseline
            ? 'not in the baseline'
            : (options.noBaselineReason ?? 'no baseline')
      // A baseline that exists but cannot give this value is missing data, not a first release.
      const noData = options.baseline !== undefined || options.baselineMissing === true
      result.reasons.push(
        `${NOT_JUDGED}: ${why}${noData ? ` (on-no-data: ${options.onNoData})` : ''}`
      )
      if (noData) {
        result.verdict = 'no-data'
        if (options.onNoData === 'fail') result.ok = false
      }
    } else {
      const worsening = threshold.better === 'higher' ? baseline - value : value - baseline
      const allowed =
        threshold.maxRegression.kind === 'absolute'
          ? threshold.maxRegression.amount
          : (Math.abs(baseline) * threshold.maxRegression.percent) / 100
      if (worsening > allowed + RELATIVE_EPSILON * Math.max(Math.abs(baseline), Math.abs(value))) {
        regression = {
          metric: threshold.metric,
          value,
          baseline,
          better: threshold.better,
          worsening: round(worsening),
          allowed: round(allowed),
          maxRegression: describeAllowance(threshold.maxRegression)
        }
        result.reasons.push(
          `${threshold.better === 'higher' ? 'fell' : 'rose'} by ${format(worsening)} from the baseline ${format(baseline)}; at most ${format(allowed)} allowed (${describeAllowance(threshold.maxRegression)})`
        )
      }
    }
  }
  const failing = result.reasons.filter(r => !r.startsWith(NOT_JUDGED))
  if (failing.length > 0) {
    result.verdict = 'fail'
    result.ok = false
  }
  return regression ? { result, regression } : { result }
}

function describeBound(threshold: Threshold): string {
  const parts: string[] = []
  if (threshold.min !== undefined) parts.push(`≥ ${format(threshold.min)}`)
  if (threshold.max !== undefined) parts.push(`≤ ${format(threshold.max)}`)
  if (threshold.maxRegression) {
    parts.push(`regression ≤ ${describeAllowance(threshold.maxRegression)}`)
  }
  const bound = parts.join(', ')
  return threshold.better ? `${bound} (${threshold.better} is better)` : bound
}

function finite(metric: MetricValue | undefined): number | null {
  return metric?.kind === 'number' && Number.isFinite(metric.value) ? metric.value : null
}

function shown(metric: MetricValue): string {
  return metric.kind === 'number' ? String(metric.value) : metric.text
}

function round(value: number): number {
  return Number(value.toPrecision(12))
}

/** Metric numbers as people read them: up to 6 significant digits, no float noise. */
export function format(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  return String(Number(value.toPrecision(6)))
}
