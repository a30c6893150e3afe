/**
 * The thresholds schema (SPEC run-model-tests): a map keyed by metric name, each with absolute
 * bounds (`min`, `max`) and/or a regression allowance against the baseline (`max-regression`, an
 * absolute number or a percentage string such as "2%") in the direction the metric is `better`.
 * Every problem is reported at once, each with the path of the offending key.
 */
import { UserError } from '../errors.js'

export type Better = 'higher' | 'lower'

export type Allowance = { kind: 'absolute'; amount: number } | { kind: 'percent'; percent: number }

export interface Threshold {
  metric: string
  min?: number
  max?: number
  better?: Better
  maxRegression?: Allowance
}

export class ThresholdsError extends UserError {
  override name = 'ThresholdsError'
  constructor(
    readonly origin: string,
    readonly problems: string[]
  ) {
    super(
      `The thresholds in ${origin} are not valid:\n${problems.map(p => `- ${p}`).join('\n')}\n` +
        'Each metric takes min, max (numbers), better (higher or lower) and max-regression (a number, or a percentage like "2%").'
    )
  }
}

const KEYS = ['min', 'max', 'better', 'max-regression'] as const

/** Parses YAML text (inline input or file) and validates it. */
export async function parseThresholdsYaml(text: string, origin: string): Promise<Threshold[]> {
  const { parse } = await import('yaml')
  let document: unknown
  try {
    document = parse(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new ThresholdsError(origin, [`not valid YAML: ${reason}`])
  }
  return validateThresholds(document, origin)
}

export function validateThresholds(document: unknown, origin: string): Threshold[] {
  if (document === null || document === undefined) return []
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ThresholdsError(origin, [
      `thresholds must be a map of metric names, like "accuracy: {min: 0.9}"; got ${describe(document)}`
    ])
  }
  const problems: string[] = []
  const thresholds: Threshold[] = []
  for (const [metric, spec] of Object.entries(document as Record<string, unknown>)) {
    const threshold = validateMetric(metric, spec, problems)
    if (threshold) thresholds.push(threshold)
  }
  if (problems.length > 0) throw new ThresholdsError(origin, problems)
  return thresholds
}

function validateMetric(metric: string, spec: unknown, problems: string[]): Threshold | undefined {
  const at = `thresholds.${metric}`
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    problems.push(`${at}: ${describe(spec)} is not a map of min, max, better and max-regression`)
    return undefined
  }
  const entries = spec as Record<string, unknown>
  const before = problems.length
  for (const key of Object.keys(entries)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      const near = nearestKey(key)
      problems.push(
        `${at}.${key}: unknown key${near ? ` (did you mean ${near}?)` : `; the keys are ${KEYS.join(', ')}`}`
      )
    }
  }
  const threshold: Threshold = { metric }
  for (const bound of ['min', 'max'] as const) {
    if (entries[bound] === undefined) continue
    const value = entries[bound]
    if (typeof value === 'number' && Number.isFinite(value)) threshold[bound] = value
    else problems.push(`${at}.${bound}: ${describe(value)} is not a number`)
  }
  if (entries.better !== undefined) {
    if (entries.better === 'higher' || entries.better === 'lower') threshold.better = entries.better
    else problems.push(`${at}.better: ${describe(entries.better)} is not higher or lower`)
  }
  if (entries['max-regression'] !== undefined) {
    const allowance = parseAllowance(entries['max-regression'])
    if (allowance) threshold.maxRegression = allowance
    else if (typeof entries['max-regression'] === 'number' && entries['max-regression'] < 0) {
      problems.push(
        `${at}.max-regression: ${entries['max-regression']} is negative; it is the worsening allowed, 0 or more`
      )
    } else {
      problems.push(
        `${at}.max-regression: ${describe(entries['max-regression'])} is not a number or a percentage like "2%"`
      )
    }
  }
  if (problems.length > before) return undefined

  if (threshold.min !== undefined && threshold.max !== undefined && threshold.min > threshold.max) {
    problems.push(`${at}: min (${threshold.min}) is greater than max (${threshold.max})`)
  }
  if (threshold.maxRegression && !threshold.better) {
    // Only one bound says which way is good; with both or neither the user must say.
    if (threshold.min !== undefined && threshold.max === undefined) threshold.better = 'higher'
    else if (threshold.max !== undefined && threshold.min === undefined) threshold.better = 'lower'
    else
      problems.push(
        `${at}.better: needed with max-regression, to know which change is worse (higher or lower)`
      )
  }
  if (
    threshold.min === undefined &&
    threshold.max === undefined &&
    threshold.maxRegression === undefined
  ) {
    problems.push(`${at}: sets no bound; give min, max or max-regression`)
  }
  return threshold
}

/** The key meant by a misspelt one: the same but for separators or case, or 1-2 typos away. */
function nearestKey(key: string): string | undefined {
  const bare = (text: string) => text.toLowerCase().replace(/[-_ ]/g, '')
  return (
    KEYS.find(k => bare(k) === bare(key)) ??
    KEYS.find(k => editDistance(bare(k), bare(key)) <= (k.length > 4 ? 2 : 1))
  )
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(
        Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1)
      )
    }
    previous = current
  }
  return previous[b.length] as number
}

/** 0.01 → absolute; "2%" / "2.5 %" → percent of the baseline; negatives are refused. */
export function parseAllowance(value: unknown): Allowance | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? { kind: 'absolute', amount: value } : undefined
  }
  if (typeof value !== 'string') return undefined
  const percent = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%\s*$/.exec(value)
  if (percent) return { kind: 'percent', percent: Number(percent[1]) }
  const plain = /^\s*(\d+(?:\.\d+)?(?:e-?\d+)?|\.\d+)\s*$/i.exec(value)
  return plain ? { kind: 'absolute', amount: Number(plain[1]) } : undefined
}

export function describeAllowance(allowance: Allowance): string {
  return allowance.kind === 'percent' ? `${allowance.percent}%` : String(allowance.amount)
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  return JSON.stringify(value)
}
