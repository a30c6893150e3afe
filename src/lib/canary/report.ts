/**
 * The shape of the canary gate's `report` output. Everything here survives JSON.stringify:
 * NaN and infinities, which JSON would silently turn into null, are written as the strings
 * Prometheus itself uses ("NaN", "+Inf", "-Inf") so that a reader sees what was answered.
 */

export type Verdict = 'pass' | 'fail' | 'inconclusive'

/** How one metric came out in one iteration. `error` is a query that failed after its retries. */
export type Classification = 'pass' | 'fail' | 'nodata' | 'error'

/** How one iteration came out as a whole; see analysis.ts for how it is derived. */
export type IterationStatus = 'pass' | 'fail' | 'inconclusive' | 'error'

export type ReportNumber = number | 'NaN' | '+Inf' | '-Inf' | null

export function reportNumber(value: number | undefined): ReportNumber {
  if (value === undefined) return null
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return value
}

export type QuerySide = 'canary' | 'baseline' | 'environment'

/** One request to Prometheus, as sent, and what came of it. */
export interface QueryRecord {
  side: QuerySide
  endpoint: '/api/v1/query' | '/api/v1/query_range'
  query: string
  /** ISO time of an instant query. */
  time?: string
  start?: string
  end?: string
  stepSeconds?: number
  outcome: 'ok' | 'empty' | 'error'
  /** The instant value when the query gave exactly one. */
  value?: ReportNumber
  /** Number of series a query answered with. */
  series?: number
  /** Number of points of a range query. */
  points?: number
  error?: string
  warnings?: string[]
  /** Of a range query: the step chosen and why, and any range shortened for independence. */
  resolution?: string
}

export interface ComparisonReport {
  test: 'mann-whitney-u'
  alternative: 'greater' | 'less' | 'two-sided'
  canarySamples: ReportNumber[]
  baselineSamples: ReportNumber[]
  /** Points that took part in the test (all but NaN; infinities take part). */
  canaryPoints: number
  baselinePoints: number
  /** Points left out of the test because they were NaN. */
  droppedNaN: { canary: number; baseline: number }
  canaryMedian: ReportNumber
  baselineMedian: ReportNumber
  /** Hodges-Lehmann estimate of the shift: the median of the pairwise differences canary - baseline. */
  shift: ReportNumber
  /** shift / |baseline median|: the effect size checked against `tolerance`. */
  relativeChange: ReportNumber
  tolerance: number
  /** The smallest p-value these sample sizes allow; not below `significance` means no test. */
  smallestPValue: number
  /** Points per side (equal sizes) the test needs to be able to reach `significance`. */
  pointsNeeded: number
  u: number | null
  pValue: number | null
  significance: number
  method: 'exact' | 'normal' | null
  significant: boolean
  beyondTolerance: boolean
}

/** The comparison of a ratio metric: counts over the window and the exact test of two rates. */
export interface RatioReport {
  test: 'conditional-binomial'
  alternative: 'greater' | 'less' | 'two-sided'
  canaryErrors: number
  canaryTotal: number
  baselineErrors: number
  baselineTotal: number
  canaryRatio: number
  baselineRatio: number
  /** (canary ratio - baseline ratio) / baseline ratio. */
  relativeChange: ReportNumber
  tolerance: number
  pValue: number
  /** The smallest p-value these totals allow, with every event on the canary's bad side. */
  smallestPValue: number
  significance: number
  significant: boolean
  beyondTolerance: boolean
}

export interface DriftBucket {
  le: string
  canary: number
  baseline: number
}

export interface DriftReport {
  test: 'psi+chi-square'
  psi: ReportNumber
  threshold: number
  chiSquare: ReportNumber
  degreesOfFreedom: number
  pValue: number | null
  significance: number
  canaryCount: number
  baselineCount: number
  buckets: DriftBucket[]
}

export interface MetricIterationReport {
  name: string
  kind: 'value' | 'drift' | 'ratio'
  critical: boolean
  classification: Classification
  /** A sentence saying why the metric is classified so. */
  reason: string
  /** The canary's value this iteration (for drift metrics: the PSI). */
  canary: ReportNumber
  /** The baseline's value this iteration, when it was queried. */
  baseline: ReportNumber
  bounds: { min?: number; max?: number }
  comparison?: ComparisonReport
  drift?: DriftReport
  rates?: RatioReport
  /**
   * No data only because the comparison needs more points than the window has so far; set while
   * iterations remain, when the metric neither fails nor passes the iteration (analysis.ts).
   */
  pending?: boolean
  /** No data because the data so far cannot reach significance (too few points or events). */
  insufficient?: boolean
  queries: QueryRecord[]
}

export interface FiringAlert {
  alertname: string
  labels: Record<string, string>
}

export interface AlertsIterationReport {
  names: string[]
  classification: Classification
  reason: string
  firing: FiringAlert[]
  queries: QueryRecord[]
}

export interface IterationReport {
  iteration: number
  time: string
  /** The analysis window so far, in seconds. */
  windowSeconds: number
  status: IterationStatus
  /** 0 to 100: the weighted share of metrics that passed. */
  score: number
  metrics: MetricIterationReport[]
  alerts?: AlertsIterationReport
  /** Seconds the first look waited for a new canary's data (the warmup). */
  warmupWaitedSeconds?: number
}

export interface AnalysisSettings {
  canarySelector: string
  baselineSelector: string
  intervalSeconds: number
  iterations: number
  failureLimit: number
  consecutiveErrorLimit: number
  onNoData: 'fail' | 'inconclusive' | 'pass'
  significance: number
  /** How long the first look could wait for data (analysis.ts). */
  warmupSeconds: number
  alerts: string[]
}

export interface AnalysisReport {
  verdict: Verdict
  score: number
  reason: string
  startedAt: string
  finishedAt: string
  settings: AnalysisSettings
  iterations: IterationReport[]
}
