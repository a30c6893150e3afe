import { InputError } from '../errors.js'

export type Direction = 'increase' | 'decrease' | 'either'

/** A metric judged on its value: absolute bounds and, with `compare: baseline`, against the baseline. */
export interface ValueMetricSpec {
  kind: 'value'
  name: string
  query: string
  min?: number
  max?: number
  compareBaseline: boolean
  direction: Direction
  tolerance: number
  critical: boolean
}

/**
 * A model-drift metric: the distribution of a Prometheus histogram (the model's prediction
 * scores) on the canary against the baseline's over the analysis window. `max` is the largest
 * population stability index tolerated (default 0.2).
 */
export interface DriftMetricSpec {
  kind: 'drift'
  name: string
  /** A query giving the histogram's buckets by `le`; built from `histogram` when not written. */
  query: string
  histogram?: string
  max: number
  critical: boolean
}

/**
 * A ratio of two counters (errors over requests), judged on the counts over the analysis
 * window with an exact test of two rates (ratio.ts). `errors` and `total` are queries giving
 * counts, such as `sum(increase(x{ {{selector}} }[{{window}}]))`. Bad direction: `increase`
 * unless told otherwise.
 */
export interface RatioMetricSpec {
  kind: 'ratio'
  name: string
  errors: string
  total: string
  min?: number
  max?: number
  compareBaseline: boolean
  direction: Direction
  tolerance: number
  critical: boolean
}

export type MetricSpec = ValueMetricSpec | DriftMetricSpec | RatioMetricSpec

export const DEFAULT_TOLERANCE = 0.1
export const DEFAULT_DRIFT_PSI = 0.2

const VALUE_KEYS = [
  'name',
  'kind',
  'query',
  'max',
  'min',
  'compare',
  'direction',
  'tolerance',
  'critical'
]
const RATIO_KEYS = [
  'name',
  'kind',
  'errors',
  'total',
  'max',
  'min',
  'compare',
  'direction',
  'tolerance',
  'critical'
]
const DRIFT_KEYS = ['name', 'kind', 'histogram', 'query', 'max', 'compare', 'critical']
const DIRECTIONS: readonly Direction[] = ['increase', 'decrease', 'either']
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const PER_SECOND = /\b(?:rate|irate|deriv)\s*\(/

/** A mistake in one entry of the metrics list: names the input, the entry and the key. */
export class MetricSpecError extends InputError {
  constructor(
    input: string,
    entry: string,
    key: string | undefined,
    given: string,
    accepted: string
  ) {
    super(input, given, accepted)
    const where = key ? `${entry}, key "${key}"` : entry
    const shown = given === '' ? 'empty' : given.length > 80 ? `${given.slice(0, 77)}...` : given
    this.message = `Input "${input}", ${where}: got ${shown}; accepted: ${accepted}.`
  }
}

/**
 * Validates the parsed `metrics` YAML (a list of entries, see SPEC "canary-gate") and returns
 * the typed specs. Empty (null/undefined) gives an empty list: a gate may watch alerts only.
 * Unknown keys are refused so that a misspelt `tolerence` does not silently fall back to 0.1.
 */
export function parseMetricSpecs(value: unknown, inputName = 'metrics'): MetricSpec[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) {
    throw new MetricSpecError(
      inputName,
      'the whole value',
      undefined,
      describe(value),
      'a YAML list of metrics, each a map with at least name and query'
    )
  }
  const seen = new Set<string>()
  return value.map((entry: unknown, index) => {
    const label = `entry ${index + 1}`
    if (!isRecord(entry)) {
      throw new MetricSpecError(
        inputName,
        label,
        undefined,
        describe(entry),
        'a map with at least name and query'
      )
    }
    const name = entry.name
    if (typeof name !== 'string' || name.trim() === '') {
      throw new MetricSpecError(
        inputName,
        label,
        'name',
        describe(name),
        'a non-empty string, unique in the list'
      )
    }
    const where = `${label} ("${name}")`
    if (seen.has(name))
      throw new MetricSpecError(
        inputName,
        where,
        'name',
        describe(name),
        'a name not used by another entry'
      )
    seen.add(name)
    const fail = (key: string, accepted: string): never => {
      throw new MetricSpecError(inputName, where, key, describe(entry[key]), accepted)
    }
    const kind = entry.kind ?? 'value'
    if (kind !== 'value' && kind !== 'drift' && kind !== 'ratio')
      fail('kind', 'value (the default), ratio or drift')
    const allowed = kind === 'drift' ? DRIFT_KEYS : kind === 'ratio' ? RATIO_KEYS : VALUE_KEYS
    for (const key of Object.keys(entry)) {
      if (!allowed.includes(key)) {
        throw new MetricSpecError(
          inputName,
          where,
          key,
          `an unknown key`,
          `for kind ${kind as string}: ${allowed.join(', ')}`
        )
      }
    }
    const nothingJudged = (): never => {
      throw new MetricSpecError(
        inputName,
        where,
        undefined,
        'no min, max or compare',
        'at least one of min, max or compare: baseline (otherwise nothing is judged)'
      )
    }
    const number = (key: string, min = -Infinity): number | undefined => {
      const raw = entry[key]
      if (raw === undefined || raw === null) return undefined
      if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < min) {
        fail(key, min === -Infinity ? 'a finite number' : `a finite number of at least ${min}`)
      }
      return raw as number
    }
    const critical = entry.critical ?? false
    if (typeof critical !== 'boolean') fail('critical', 'true or false')
    const compare = entry.compare
    if (compare !== undefined && compare !== null && compare !== 'baseline')
      fail('compare', 'baseline (or leave it out)')

    if (kind === 'drift') {
      const histogram = entry.histogram
      if (
        histogram !== undefined &&
        (typeof histogram !== 'string' || !METRIC_NAME.test(histogram))
      ) {
        fail('histogram', 'a Prometheus histogram name such as model_prediction_score')
      }
      const query = entry.query
      if (query !== undefined && (typeof query !== 'string' || query.trim() === ''))
        fail('query', 'a PromQL query giving the buckets by le')
      // The chi-square test needs counts; per-second rates would make any drift insignificant.
      if (typeof query === 'string' && PER_SECOND.test(query))
        fail(
          'query',
          'bucket counts over the window, such as sum by (le) (increase(x_bucket{ {{selector}} }[{{window}}])); rate(), irate() and deriv() give per-second values, which the chi-square test cannot use'
        )
      if (histogram === undefined && query === undefined) {
        throw new MetricSpecError(
          inputName,
          where,
          'histogram',
          'neither histogram nor query',
          'a histogram name (or a query giving its buckets by le)'
        )
      }
      const max = number('max', 0) ?? DEFAULT_DRIFT_PSI
      return {
        kind: 'drift',
        name,
        query: (query as string | undefined) ?? histogramBucketsQuery(histogram as string),
        ...(histogram !== undefined ? { histogram: histogram as string } : {}),
        max,
        critical: critical as boolean
      } satisfies DriftMetricSpec
    }

    const min = number('min')
    const max = number('max')
    if (min !== undefined && max !== undefined && min > max)
      fail('min', `a number not above max (${max})`)
    const direction = entry.direction ?? (kind === 'ratio' ? 'increase' : 'either')
    if (!DIRECTIONS.includes(direction as Direction)) fail('direction', DIRECTIONS.join(', '))
    const tolerance = parseTolerance(entry.tolerance)
    if (tolerance === undefined)
      fail('tolerance', 'a relative change of at least 0, such as 0.1 or "10%"')
    const compareBaseline = compare === 'baseline'
    if (kind === 'ratio') {
      for (const key of ['errors', 'total']) {
        const query = entry[key]
        if (typeof query !== 'string' || query.trim() === '')
          fail(
            key,
            `a PromQL query giving a count over the window, such as sum(increase(http_requests_total{ {{selector}} }[{{window}}])) (it is required)`
          )
      }
      if (!compareBaseline && min === undefined && max === undefined) nothingJudged()
      return {
        kind: 'ratio',
        name,
        errors: entry.errors as string,
        total: entry.total as string,
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
        compareBaseline,
        direction: direction as Direction,
        tolerance: tolerance as number,
        critical: critical as boolean
      } satisfies RatioMetricSpec
    }
    const query = entry.query
    if (typeof query !== 'string' || query.trim() === '')
      fail('query', 'a PromQL query (it is required)')
    if (!compareBaseline && min === undefined && max === undefined) nothingJudged()
    return {
      kind: 'value',
      name,
      query: query as string,
      ...(min !== undefined ? { min } : {}),
      ...(max !== undefined ? { max } : {}),
      compareBaseline,
      direction: direction as Direction,
      tolerance: tolerance as number,
      critical: critical as boolean
    } satisfies ValueMetricSpec
  })
}

/** The default drift query: the histogram's bucket increases over the analysis window. */
export function histogramBucketsQuery(histogram: string): string {
  const buckets = histogram.endsWith('_bucket') ? histogram : `${histogram}_bucket`
  return `sum by (le) (increase(${buckets}{ {{selector}} }[{{window}}]))`
}

function parseTolerance(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return DEFAULT_TOLERANCE
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? raw : undefined
  if (typeof raw === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(raw)
    return match ? Number(match[1]) / 100 : undefined
  }
  return undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') return JSON.stringify(value)
  // JSON would write NaN and the infinities as null, hiding what the YAML said (.nan, .inf).
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
