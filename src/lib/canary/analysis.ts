import { UserError, errorMessage } from '../errors.js'
import type {
  InstantResult,
  InstantSample,
  PrometheusApi,
  RangeResult
} from '../prometheus/client.js'
import { limitRanges, promDuration, renderQuery } from '../prometheus/promql.js'
import { sleep as realSleep } from '../retry.js'
import { firingAlertsQuery, judgeAlerts } from './alerts.js'
import { judgeDriftMetric } from './drift.js'
import { DEFAULT_SIGNIFICANCE, judgeValueMetric, type Reading } from './judge.js'
import type {
  DriftMetricSpec,
  MetricSpec,
  RatioMetricSpec,
  ValueMetricSpec
} from './metric-spec.js'
import { judgeRatioMetric } from './ratio.js'
import {
  reportNumber,
  type AlertsIterationReport,
  type AnalysisReport,
  type Classification,
  type IterationReport,
  type IterationStatus,
  type MetricIterationReport,
  type QueryRecord,
  type QuerySide,
  type Verdict
} from './report.js'

/**
 * The canary analysis: every `interval`, query Prometheus, judge each metric (judge.ts,
 * drift.ts) and the alerts (alerts.ts), score the iteration, and decide the gate. The rules
 * of the gate, borrowed from Kayenta (critical metrics, scoring) and Argo Rollouts
 * (failureLimit, consecutiveErrorLimit), and how they combine:
 *
 * - An iteration is `fail` when a metric fails, when a metric has no data under
 *   `on-no-data: fail`, or when an alert fires; else `error` when a query failed; else
 *   `inconclusive` when a metric has no data under `on-no-data: inconclusive`; else `pass`.
 * - The gate fails at once on a critical metric that fails (or has no data under
 *   `on-no-data: fail`), on any named alert firing, when failed iterations exceed
 *   `failure-limit`, and when more than `consecutiveErrorLimit` iterations in a row (default 4,
 *   as Argo's) could not query Prometheus. Argo ends such a run in `Error`, which aborts the
 *   rollout; here it is `fail`, since an unreachable Prometheus must never let a canary through.
 * - After the last iteration: if it could not query Prometheus the gate fails closed (nothing
 *   was observed at the end); otherwise earlier query errors that recovered are tolerated, as
 *   Argo tolerates errors below its consecutiveErrorLimit. What such an iteration missed is not
 *   observed again by the instant queries (bounds, drift, alerts look at their own moment); only
 *   the baseline comparison, whose range queries cover the window so far, sees its traffic.
 *   Then `inconclusive` if any iteration was inconclusive, else `pass`.
 * - A comparison that cannot yet reach significance (too few points, judge.ts rule 6) is
 *   `pending` while iterations remain: it neither fails nor passes the iteration, and a later
 *   iteration, with more points, judges it. In the last iteration it is no data.
 * - The first look may wait for data: a new canary that Prometheus has not scraped yet has no
 *   data, which says nothing about the canary. While any metric has no data, the first
 *   iteration is measured again (every tenth of the warmup) until the data is there or `warmup`
 *   (default two intervals) has passed; the report says how long it waited. Later iterations
 *   keep their spacing after it.
 * - `on-no-data` applies only to an answer with no series or no points. NaN and infinite
 *   values and failed queries are never no data (see judge.ts), so `on-no-data: pass` cannot
 *   turn them into a pass.
 * - The iteration score is the share of metrics that passed (no data counts as passed only
 *   under `on-no-data: pass`), critical metrics and the alerts weighing twice, from 0 to 100.
 *   The gate's score is the mean over the iterations run, and 0 after a critical failure or a
 *   firing alert, as Kayenta scores a critical failure 0.
 */

export type NoDataPolicy = 'fail' | 'inconclusive' | 'pass'

export interface AnalysisOptions {
  prometheus: PrometheusApi
  metrics: readonly MetricSpec[]
  canarySelector: string
  baselineSelector: string
  intervalMs: number
  iterations: number
  failureLimit: number
  onNoData: NoDataPolicy
  alerts?: readonly string[]
  /** Iterations in a row whose queries may fail before the gate fails (default 4). */
  consecutiveErrorLimit?: number
  /** Significance level of the statistical comparisons (default 0.01). */
  significance?: number
  /** How long the first look may wait for data before no data counts (default two intervals). */
  warmupMs?: number
  /** Milliseconds since the epoch; injectable so tests drive time. */
  now?: () => number
  sleep?: (ms: number) => Promise<void>
  /** Called after each iteration, for progress lines. */
  onIteration?: (iteration: IterationReport, options: { iterations: number }) => void
}

export interface AnalysisResult {
  verdict: Verdict
  score: number
  reason: string
  report: AnalysisReport
}

export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4

export async function runAnalysis(options: AnalysisOptions): Promise<AnalysisResult> {
  const settings = validate(options)
  const now = options.now ?? Date.now
  const wait = options.sleep ?? realSleep
  const startedAt = now()
  const iterations: IterationReport[] = []
  let failed = 0
  let consecutiveErrors = 0
  let stop: { verdict: Verdict; reason: string; zeroScore: boolean } | undefined

  let waitedMs = 0
  for (let i = 1; i <= settings.iterations && !stop; i++) {
    const due = startedAt + waitedMs + i * settings.intervalMs
    const remaining = due - now()
    if (remaining > 0) await wait(remaining)
    let iteration = await measureIteration(options, settings, i, startedAt, now())
    if (i === 1) {
      const firstLook = now()
      while (hasNoData(iteration) && now() - firstLook < settings.warmupMs) {
        await wait(Math.min(settings.warmupMs / 10, settings.warmupMs - (now() - firstLook)))
        iteration = await measureIteration(options, settings, i, startedAt, now())
      }
      waitedMs = now() - firstLook
      if (waitedMs > 0) iteration.warmupWaitedSeconds = Math.round(waitedMs) / 1000
    }
    iterations.push(iteration)
    options.onIteration?.(iteration, { iterations: settings.iterations })

    const critical = iteration.metrics.find(
      m => m.critical && !m.pending && failsIteration(m.classification, settings.onNoData)
    )
    if (critical) {
      stop = {
        verdict: 'fail',
        reason: `Critical metric ${critical.name} failed in iteration ${i}: ${critical.reason}.`,
        zeroScore: true
      }
      break
    }
    if (iteration.alerts?.classification === 'fail') {
      stop = {
        verdict: 'fail',
        reason: `In iteration ${i}, ${iteration.alerts.reason}.`,
        zeroScore: true
      }
      break
    }
    if (iteration.status === 'fail') {
      failed++
      if (failed > settings.failureLimit) {
        stop = {
          verdict: 'fail',
          reason: `Iteration ${i} failed (${describeFailures(iteration, settings.onNoData)}); ${failed} failed iteration${failed === 1 ? '' : 's'}, more than the failure-limit of ${settings.failureLimit}.`,
          zeroScore: false
        }
      }
    }
    if (iteration.status === 'error') {
      consecutiveErrors++
      if (consecutiveErrors > settings.consecutiveErrorLimit) {
        stop = {
          verdict: 'fail',
          reason: `Prometheus could not be queried in ${consecutiveErrors} iterations in a row (more than ${settings.consecutiveErrorLimit}): ${firstError(iteration)}. The gate fails closed.`,
          zeroScore: false
        }
      }
    } else {
      consecutiveErrors = 0
    }
  }

  const outcome = stop ?? conclude(iterations, settings, failed)
  const score =
    outcome.zeroScore || iterations.length === 0
      ? 0
      : round2(iterations.reduce((sum, it) => sum + it.score, 0) / iterations.length)
  const report: AnalysisReport = {
    verdict: outcome.verdict,
    score,
    reason: outcome.reason,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(now()).toISOString(),
    settings: {
      canarySelector: options.canarySelector,
      baselineSelector: options.baselineSelector,
      intervalSeconds: settings.intervalMs / 1000,
      iterations: settings.iterations,
      failureLimit: settings.failureLimit,
      consecutiveErrorLimit: settings.consecutiveErrorLimit,
      onNoData: settings.onNoData,
      significance: settings.significance,
      warmupSeconds: settings.warmupMs / 1000,
      alerts: [...settings.alerts]
    },
    iterations
  }
  return { verdict: outcome.verdict, score, reason: outcome.reason, report }
}

interface Settings {
  intervalMs: number
  iterations: number
  failureLimit: number
  consecutiveErrorLimit: number
  onNoData: NoDataPolicy
  significance: number
  warmupMs: number
  alerts: readonly string[]
}

function validate(options: AnalysisOptions): Settings {
  const { intervalMs, iterations, failureLimit, onNoData } = options
  const consecutiveErrorLimit = options.consecutiveErrorLimit ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT
  const significance = options.significance ?? DEFAULT_SIGNIFICANCE
  const alerts = options.alerts ?? []
  const warmupMs = options.warmupMs ?? 2 * intervalMs
  if (!Number.isFinite(intervalMs) || intervalMs <= 0)
    throw new UserError(`The analysis interval must be positive; got ${intervalMs} ms.`)
  if (!Number.isSafeInteger(iterations) || iterations < 1)
    throw new UserError(`The analysis needs at least one iteration; got ${iterations}.`)
  if (!Number.isSafeInteger(failureLimit) || failureLimit < 0)
    throw new UserError(
      `The failure limit must be a whole number of at least 0; got ${failureLimit}.`
    )
  if (!Number.isSafeInteger(consecutiveErrorLimit) || consecutiveErrorLimit < 0) {
    throw new UserError(
      `The consecutive error limit must be a whole number of at least 0; got ${consecutiveErrorLimit}.`
    )
  }
  if (!['fail', 'inconclusive', 'pass'].includes(onNoData))
    throw new UserError(`on-no-data must be fail, inconclusive or pass; got ${String(onNoData)}.`)
  if (!(significance > 0 && significance < 1))
    throw new UserError(`The significance level must be between 0 and 1; got ${significance}.`)
  if (!Number.isFinite(warmupMs) || warmupMs < 0)
    throw new UserError(`The warmup must be a duration of at least 0; got ${warmupMs} ms.`)
  if (options.metrics.length === 0 && alerts.length === 0)
    throw new UserError('The canary gate needs at least one metric or one alert to watch.')
  return {
    intervalMs,
    iterations,
    failureLimit,
    consecutiveErrorLimit,
    onNoData,
    significance,
    warmupMs,
    alerts
  }
}

/** Whether a metric answered nothing at all (not a comparison that needs more points). */
function hasNoData(iteration: IterationReport): boolean {
  return iteration.metrics.some(m => m.classification === 'nodata' && !m.insufficient)
}

function failsIteration(classification: Classification, onNoData: NoDataPolicy): boolean {
  return classification === 'fail' || (classification === 'nodata' && onNoData === 'fail')
}

function passes(classification: Classification, onNoData: NoDataPolicy): boolean {
  return classification === 'pass' || (classification === 'nodata' && onNoData === 'pass')
}

function iterationStatus(
  classifications: readonly Classification[],
  onNoData: NoDataPolicy
): IterationStatus {
  if (classifications.some(c => failsIteration(c, onNoData))) return 'fail'
  if (classifications.includes('error')) return 'error'
  if (classifications.includes('nodata') && onNoData === 'inconclusive') return 'inconclusive'
  return 'pass'
}

async function measureIteration(
  options: AnalysisOptions,
  settings: Settings,
  index: number,
  startedAt: number,
  at: number
): Promise<IterationReport> {
  const windowMs = Math.max(settings.intervalMs, at - startedAt)
  const significance = lookSignificance(settings, index)
  const context: MeasureContext = { options, settings, startedAt, at, windowMs, significance }
  const metrics = await Promise.all(
    options.metrics.map(spec =>
      spec.kind === 'drift'
        ? measureDrift(context, spec)
        : spec.kind === 'ratio'
          ? measureRatio(context, spec)
          : measureValue(context, spec)
    )
  )
  for (const metric of metrics) {
    // Too few points so far: a later iteration, with more, judges it (the header's rules).
    if (metric.insufficient && index < settings.iterations) metric.pending = true
  }
  const alerts = settings.alerts.length ? await measureAlerts(context) : undefined
  const entries = [
    ...metrics.map(m => ({
      classification: m.pending ? ('pass' as const) : m.classification,
      weight: m.critical ? 2 : 1
    })),
    ...(alerts ? [{ classification: alerts.classification, weight: 2 }] : [])
  ]
  const totalWeight = entries.reduce((sum, e) => sum + e.weight, 0)
  const passedWeight = entries.reduce(
    (sum, e) => sum + (passes(e.classification, settings.onNoData) ? e.weight : 0),
    0
  )
  return {
    iteration: index,
    time: new Date(at).toISOString(),
    windowSeconds: Math.round(windowMs) / 1000,
    status: iterationStatus(
      entries.map(e => e.classification),
      settings.onNoData
    ),
    score: totalWeight ? round2((100 * passedWeight) / totalWeight) : 0,
    metrics,
    ...(alerts ? { alerts } : {})
  }
}

interface MeasureContext {
  options: AnalysisOptions
  settings: Settings
  startedAt: number
  at: number
  windowMs: number
  /** The significance level of this look (lookSignificance). */
  significance: number
}

/**
 * The share of a look's significance level that the tests on counts (ratio, drift) use. The
 * gate's false-alarm rate is that of all its metrics together; the rank test on a few points
 * per side needs the whole level to be able to decide at all (5 points a side reach 0.004),
 * while the count tests, on every request of the window, lose little power at 70% of it
 * (bench/judge-quality.mjs shows both).
 */
export const COUNT_TEST_SHARE = 0.7

/**
 * The significance level of one look. Every iteration judges the data so far again, and each
 * look at growing data is another chance of a false alarm: five looks at 1% each would stop
 * about 2-3% of healthy canaries. So the early looks share a tenth of the level and the last
 * look keeps the rest (a Haybittle-Peto boundary): a metric's false-alarm rate over the whole
 * analysis stays within `significance` (Bonferroni), an early look still stops a clear
 * regression at once, and the last look loses almost no power.
 */
export function lookSignificance(
  settings: { significance: number; iterations: number },
  index: number
): number {
  if (settings.iterations === 1) return settings.significance
  const early = settings.significance / 10
  return index < settings.iterations
    ? early / (settings.iterations - 1)
    : settings.significance - early
}

/** The metric's query with its placeholders filled in for one side (canary or baseline). */
function queryRenderer(context: MeasureContext, query: string): (selector: string) => string {
  return selector =>
    renderQuery(query, {
      selector,
      intervalMs: context.settings.intervalMs,
      windowMs: context.windowMs
    })
}

async function measureValue(
  context: MeasureContext,
  spec: ValueMetricSpec
): Promise<MetricIterationReport> {
  const { options, at } = context
  const render = queryRenderer(context, spec.query)
  const canaryQuery = render(options.canarySelector)
  const baselineQuery = render(options.baselineSelector)
  const queries: QueryRecord[] = []
  const instant = singleValueReader(options.prometheus, at, queries)
  const [canary, baseline] = await Promise.all([
    instant('canary', canaryQuery),
    instant('baseline', baselineQuery)
  ])
  let canarySamples: Reading<number[]> | undefined
  let baselineSamples: Reading<number[]> | undefined
  if (spec.compareBaseline) {
    const stepMs = sampleStepMs(context)
    const range = async (side: QuerySide, query: string): Promise<Reading<number[]>> => {
      const limited = limitRanges(query, stepMs)
      const { reading, record } = await rangeQuery(
        options.prometheus,
        side,
        limited.query,
        context,
        stepMs
      )
      record.resolution = describeResolution(context, stepMs, limited.shortened)
      queries.push(record)
      return reading
    }
    ;[canarySamples, baselineSamples] = await Promise.all([
      range('canary', canaryQuery),
      range('baseline', baselineQuery)
    ])
  }
  const judgement = judgeValueMetric(
    spec,
    {
      canary,
      ...(canarySamples ? { canarySamples } : {}),
      ...(baselineSamples ? { baselineSamples } : {})
    },
    context.significance
  )
  return {
    name: spec.name,
    kind: 'value',
    critical: spec.critical,
    classification: judgement.classification,
    reason: judgement.reason,
    canary: canary.status === 'ok' ? reportNumber(canary.value) : null,
    baseline: baseline.status === 'ok' ? reportNumber(baseline.value) : null,
    bounds: {
      ...(spec.min !== undefined ? { min: spec.min } : {}),
      ...(spec.max !== undefined ? { max: spec.max } : {})
    },
    ...(judgement.comparison ? { comparison: judgement.comparison } : {}),
    ...(judgement.insufficient ? { insufficient: true } : {}),
    queries: inReadingOrder(queries)
  }
}

/** Reads instant queries that must answer one series, recording each query in `queries`. */
function singleValueReader(
  prometheus: PrometheusApi,
  at: number,
  queries: QueryRecord[]
): (side: QuerySide, query: string) => Promise<Reading<number>> {
  return async (side, query) => {
    const { reading, record } = await instantQuery(prometheus, side, query, at)
    queries.push(record)
    if (reading.status !== 'ok') return reading
    if (reading.value.length > 1) {
      const error = `the query returned ${reading.value.length} series; a metric query must return one (aggregate it, e.g. with sum(...))`
      record.outcome = 'error'
      record.error = error
      return { status: 'error', error }
    }
    const value = (reading.value[0] as InstantSample).value
    record.value = reportNumber(value)
    return { status: 'ok', value }
  }
}

async function measureRatio(
  context: MeasureContext,
  spec: RatioMetricSpec
): Promise<MetricIterationReport> {
  const { options, at } = context
  const queries: QueryRecord[] = []
  const instant = singleValueReader(options.prometheus, at, queries)
  const errors = queryRenderer(context, spec.errors)
  const total = queryRenderer(context, spec.total)
  const sides = spec.compareBaseline
    ? ([options.canarySelector, options.baselineSelector] as const)
    : ([options.canarySelector] as const)
  const [canaryErrors, canaryTotal, baselineErrors, baselineTotal] = await Promise.all([
    ...sides.flatMap((selector, i) => {
      const side: QuerySide = i === 0 ? 'canary' : 'baseline'
      return [instant(side, errors(selector)), instant(side, total(selector))]
    })
  ])
  const judgement = judgeRatioMetric(
    spec,
    {
      canaryErrors: canaryErrors as Reading<number>,
      canaryTotal: canaryTotal as Reading<number>,
      ...(baselineErrors ? { baselineErrors } : {}),
      ...(baselineTotal ? { baselineTotal } : {})
    },
    context.significance * COUNT_TEST_SHARE
  )
  return {
    name: spec.name,
    kind: 'ratio',
    critical: spec.critical,
    classification: judgement.classification,
    reason: judgement.reason,
    canary: judgement.ratio === undefined ? null : reportNumber(judgement.ratio),
    baseline: judgement.baselineRatio === undefined ? null : reportNumber(judgement.baselineRatio),
    bounds: {
      ...(spec.min !== undefined ? { min: spec.min } : {}),
      ...(spec.max !== undefined ? { max: spec.max } : {})
    },
    ...(judgement.rates ? { rates: judgement.rates } : {}),
    ...(judgement.insufficient ? { insufficient: true } : {}),
    queries: inReadingOrder(queries)
  }
}

/**
 * The step of the range queries: the interval, so that each iteration adds one independent point
 * per side (a step no longer than the interval), bounded so that a series never exceeds
 * Prometheus's 11,000 points. Range selectors longer than the step are shortened to it in the
 * range queries (limitRanges), since `[5m]` windows sampled every minute overlap and are not
 * independent; the window starts one step after the analysis began, so that every point
 * describes traffic during the analysis.
 */
function sampleStepMs(context: MeasureContext): number {
  const bySize = Math.ceil(context.windowMs / 10_000 / 1000) * 1000
  return Math.max(context.settings.intervalMs, 1000, bySize)
}

function describeResolution(context: MeasureContext, stepMs: number, shortened: string[]): string {
  const step =
    stepMs === context.settings.intervalMs
      ? `step ${promDuration(stepMs)} (the interval), one point per side per iteration`
      : `step ${promDuration(stepMs)} (the interval, raised to stay within 11,000 points)`
  return shortened.length
    ? `${step}; ${shortened.join(', ')} shortened to [${promDuration(stepMs)}] so that consecutive points do not overlap`
    : step
}

async function measureDrift(
  context: MeasureContext,
  spec: DriftMetricSpec
): Promise<MetricIterationReport> {
  const { options, at } = context
  const render = queryRenderer(context, spec.query)
  const queries: QueryRecord[] = []
  const buckets = async (side: QuerySide, query: string): Promise<Reading<InstantSample[]>> => {
    const { reading, record } = await instantQuery(options.prometheus, side, query, at)
    queries.push(record)
    return reading
  }
  const [canary, baseline] = await Promise.all([
    buckets('canary', render(options.canarySelector)),
    buckets('baseline', render(options.baselineSelector))
  ])
  const judgement = judgeDriftMetric(
    spec,
    { canary, baseline },
    context.significance * COUNT_TEST_SHARE
  )
  return {
    name: spec.name,
    kind: 'drift',
    critical: spec.critical,
    classification: judgement.classification,
    reason: judgement.reason,
    canary: judgement.psi === undefined ? null : reportNumber(judgement.psi),
    baseline: null,
    bounds: { max: spec.max },
    ...(judgement.drift ? { drift: judgement.drift } : {}),
    ...(judgement.insufficient ? { insufficient: true } : {}),
    queries: inReadingOrder(queries)
  }
}

async function measureAlerts(context: MeasureContext): Promise<AlertsIterationReport> {
  const names = [...context.settings.alerts]
  const query = firingAlertsQuery(names)
  const { reading, record } = await instantQuery(
    context.options.prometheus,
    'environment',
    query,
    context.at
  )
  const judgement = judgeAlerts(names, reading)
  return { names, ...judgement, queries: [record] }
}

async function instantQuery(
  prometheus: PrometheusApi,
  side: QuerySide,
  query: string,
  at: number
): Promise<{ reading: Reading<InstantSample[]>; record: QueryRecord }> {
  const time = new Date(at)
  const record: QueryRecord = {
    side,
    endpoint: '/api/v1/query',
    query,
    time: time.toISOString(),
    outcome: 'ok'
  }
  let result: InstantResult
  try {
    result = await prometheus.query(query, time)
  } catch (error) {
    record.outcome = 'error'
    record.error = errorMessage(error)
    return { reading: { status: 'error', error: record.error }, record }
  }
  record.series = result.samples.length
  if (result.warnings.length) record.warnings = result.warnings
  if (result.samples.length === 0) {
    record.outcome = 'empty'
    return { reading: { status: 'empty' }, record }
  }
  return { reading: { status: 'ok', value: result.samples }, record }
}

async function rangeQuery(
  prometheus: PrometheusApi,
  side: QuerySide,
  query: string,
  context: MeasureContext,
  stepMs: number
): Promise<{ reading: Reading<number[]>; record: QueryRecord }> {
  const end = new Date(context.at)
  const start = new Date(Math.min(context.at, context.startedAt + stepMs))
  const record: QueryRecord = {
    side,
    endpoint: '/api/v1/query_range',
    query,
    start: start.toISOString(),
    end: end.toISOString(),
    stepSeconds: stepMs / 1000,
    outcome: 'ok'
  }
  let result: RangeResult
  try {
    result = await prometheus.queryRange(query, start, end, stepMs / 1000)
  } catch (error) {
    record.outcome = 'error'
    record.error = errorMessage(error)
    return { reading: { status: 'error', error: record.error }, record }
  }
  record.series = result.series.length
  if (result.warnings.length) record.warnings = result.warnings
  const withPoints = result.series.filter(s => s.points.length > 0)
  record.points = withPoints.reduce((sum, s) => sum + s.points.length, 0)
  if (withPoints.length === 0) {
    record.outcome = 'empty'
    return { reading: { status: 'empty' }, record }
  }
  if (withPoints.length > 1) {
    const error = `the range query returned ${withPoints.length} series; a metric query must return one (aggregate it, e.g. with sum(...))`
    record.outcome = 'error'
    record.error = error
    return { reading: { status: 'error', error }, record }
  }
  return {
    reading: {
      status: 'ok',
      value: (withPoints[0] as { points: { value: number }[] }).points.map(p => p.value)
    },
    record
  }
}

function conclude(
  iterations: readonly IterationReport[],
  settings: Settings,
  failed: number
): { verdict: Verdict; reason: string; zeroScore: boolean } {
  const last = iterations[iterations.length - 1] as IterationReport
  if (last.status === 'error') {
    let run = 0
    for (
      let i = iterations.length - 1;
      i >= 0 && (iterations[i] as IterationReport).status === 'error';
      i--
    )
      run++
    return {
      verdict: 'fail',
      reason: `The analysis ended without a successful measurement: Prometheus could not be queried in the last ${run === 1 ? 'iteration' : `${run} iterations`} (${firstError(last)}). The gate fails closed.`,
      zeroScore: false
    }
  }
  const tolerated =
    failed > 0
      ? ` ${failed} failed iteration${failed === 1 ? ' was' : 's were'} tolerated by the failure-limit of ${settings.failureLimit}.`
      : ''
  const inconclusive = iterations.filter(it => it.status === 'inconclusive')
  if (inconclusive.length) {
    const missing = [
      ...new Set(
        inconclusive.flatMap(it =>
          it.metrics.filter(m => m.classification === 'nodata' && !m.pending).map(m => m.name)
        )
      )
    ]
    return {
      verdict: 'inconclusive',
      reason: `No data for ${missing.join(', ')} in ${inconclusive.length} of ${iterations.length} iterations, and on-no-data is inconclusive.${tolerated}`,
      zeroScore: false
    }
  }
  const summary = last.metrics.map(m => `${m.name}: ${m.reason}`).join('; ')
  const alerts = last.alerts ? ` No alert among ${last.alerts.names.join(', ')} fired.` : ''
  return {
    verdict: 'pass',
    reason: `The canary passed ${iterations.length} iteration${iterations.length === 1 ? '' : 's'}${summary ? ` (last: ${summary})` : ''}.${alerts}${tolerated}`,
    zeroScore: false
  }
}

function describeFailures(iteration: IterationReport, onNoData: NoDataPolicy): string {
  const parts = iteration.metrics
    .filter(m => failsIteration(m.classification, onNoData))
    .map(m => `${m.name}: ${m.reason}`)
  return parts.join('; ')
}

function firstError(iteration: IterationReport): string {
  const failed = iteration.metrics.find(m => m.classification === 'error')
  if (failed) return `${failed.name}: ${failed.reason}`
  if (iteration.alerts?.classification === 'error') return iteration.alerts.reason
  return 'unknown error'
}

const SIDE_ORDER: Record<QuerySide, number> = { canary: 0, baseline: 1, environment: 2 }

/** Queries run in parallel and finish in any order; the report lists them in a fixed one. */
function inReadingOrder(queries: QueryRecord[]): QueryRecord[] {
  return [...queries].sort(
    (a, b) => a.endpoint.localeCompare(b.endpoint) || SIDE_ORDER[a.side] - SIDE_ORDER[b.side]
  )
}

function round2(value: number): number {
  return Math.round(value * 100) / 100
}
