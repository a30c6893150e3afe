/**
 * A metrics JSON file: an object of numbers. Nested objects flatten to dotted names
 * (`{"per_class": {"benign": {"f1": 0.9}}}` gives `per_class.benign.f1`), so a threshold can
 * name any number in the file. Python's json module writes NaN and Infinity for non-finite
 * floats; they are read as such (and never pass a threshold) rather than rejecting the file.
 */
import { UserError } from '../errors.js'

/** A number, or what the file held instead of a number (a string, a list, null...). */
export type MetricValue = { kind: 'number'; value: number } | { kind: 'invalid'; text: string }

export type Metrics = Map<string, MetricValue>

export class MetricsFileError extends UserError {
  override name = 'MetricsFileError'
}

const NON_FINITE: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY
}
const MARK = '\u0000mlops-non-finite:'

export function parseMetrics(text: string, source: string): Metrics {
  let document: unknown
  try {
    document = JSON.parse(quoteNonFinite(text), (_key, value: unknown) =>
      typeof value === 'string' && value.startsWith(MARK)
        ? NON_FINITE[value.slice(MARK.length)]
        : value
    )
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new MetricsFileError(`The metrics file ${source} is not valid JSON: ${reason}.`)
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new MetricsFileError(
      `The metrics file ${source} must hold a JSON object of metric names and numbers, like {"accuracy": 0.95}; it holds ${describe(document)}.`
    )
  }
  const metrics: Metrics = new Map()
  flatten(document as Record<string, unknown>, '', metrics)
  return metrics
}

function flatten(object: Record<string, unknown>, prefix: string, into: Metrics): void {
  for (const [key, value] of Object.entries(object)) {
    const name = prefix + key
    if (typeof value === 'number') into.set(name, { kind: 'number', value })
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      flatten(value as Record<string, unknown>, `${name}.`, into)
    } else into.set(name, { kind: 'invalid', text: describe(value) })
  }
}

/** Quotes bare NaN / Infinity / -Infinity tokens (outside strings) so JSON.parse accepts them. */
function quoteNonFinite(text: string): string {
  if (!/NaN|Infinity/.test(text)) return text
  let out = ''
  for (let i = 0; i < text.length;) {
    const char = text[i] as string
    if (char === '"') {
      let end = i + 1
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1
      out += text.slice(i, end + 1)
      i = end + 1
      continue
    }
    const token = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9))?.[1]
    if (token) {
      out += JSON.stringify(MARK + token)
      i += token.length
      continue
    }
    out += char
    i++
  }
  return out
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)
  return typeof value === 'object' ? 'an object' : String(value)
}

/** The numbers only, non-finite ones as null: what the `metrics` output carries. */
export function metricsObject(metrics: Metrics): Record<string, number | null> {
  const out: Record<string, number | null> = {}
  for (const [name, metric] of metrics) {
    if (metric.kind === 'number') out[name] = Number.isFinite(metric.value) ? metric.value : null
  }
  return out
}
