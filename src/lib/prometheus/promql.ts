import { formatDuration, parseDuration } from '../duration.js'

/** The placeholders a metric's query may use; a placeholder not listed here is left as written. */
export interface QueryPlaceholders {
  /** Label matchers of the canary or the baseline, such as `track="canary"`. */
  selector: string
  intervalMs: number
  /** The analysis window so far; only drift queries need it. */
  windowMs?: number
}

/**
 * Replaces `{{selector}}`, `{{interval}}` and `{{window}}` (spaces inside the braces allowed).
 * Durations are written as PromQL durations (`1m`, `30s`, `1m30s`), which Prometheus 2.x
 * accepts in range selectors.
 */
export function renderQuery(template: string, values: QueryPlaceholders): string {
  return template.replace(/\{\{\s*(selector|interval|window)\s*\}\}/g, (whole, name: string) => {
    if (name === 'selector') return values.selector
    if (name === 'interval') return promDuration(values.intervalMs)
    return values.windowMs === undefined ? whole : promDuration(values.windowMs)
  })
}

/** A PromQL duration; PromQL has no fractional seconds below 1 s other than `ms`. */
export function promDuration(ms: number): string {
  return formatDuration(Math.max(1, Math.round(ms)))
}

/** Escapes a literal for use inside a PromQL regular expression (RE2, fully anchored). */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')
}

/** A PromQL double-quoted string literal. */
export function quoteString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}

/**
 * The longest range selector (`[1m]`, `[5m:30s]`) in a rendered query, in milliseconds, or
 * undefined when it has none. Sampling a rate at this step gives windows that do not overlap.
 */
export function longestRangeMs(query: string): number | undefined {
  let longest: number | undefined
  for (const match of query.matchAll(/\[\s*([0-9][0-9a-z.]*)\s*(?::[^\]]*)?\]/g)) {
    const ms = parseDuration(match[1] as string)
    if (ms !== undefined && (longest === undefined || ms > longest)) longest = ms
  }
  return longest
}

/**
 * The query with every range selector longer than `maxMs` shortened to it (`rate(x[5m])` becomes
 * `rate(x[1m])` for a one-minute step), so that points sampled `maxMs` apart cover windows that
 * do not overlap and are independent. Subquery ranges (`[5m:30s]`) are shortened the same way.
 * Returns the query and the ranges it changed.
 */
export function limitRanges(query: string, maxMs: number): { query: string; shortened: string[] } {
  const shortened: string[] = []
  const limited = query.replace(
    /\[(\s*)([0-9][0-9a-z.]*)(\s*)(:[^\]]*)?\]/g,
    (whole, before: string, duration: string, after: string, subquery: string | undefined) => {
      const ms = parseDuration(duration)
      if (ms === undefined || ms <= maxMs) return whole
      shortened.push(`[${duration}]`)
      return `[${before}${promDuration(maxMs)}${after}${subquery ?? ''}]`
    }
  )
  return { query: limited, shortened }
}

const MATCHER = String.raw`\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\\n]|\\.)*"\s*`

/**
 * Label matchers as they stand inside `{...}`: `track="canary"`, `app="model", track=~"c.*"`.
 * Selectors are pasted into every query, so anything else (braces, functions) is refused.
 */
export const PROMQL_SELECTOR = new RegExp(`^${MATCHER}(?:,${MATCHER})*,?\\s*$`)
export const SELECTOR_ACCEPTED =
  'PromQL label matchers such as track="canary" or app="model", track=~"canary|stable"'
