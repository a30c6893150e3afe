import { InputError } from '../errors.js'
import { withRetry, parseRetryAfter, type RetryOptions } from '../retry.js'

/**
 * A client for the two Prometheus HTTP API endpoints the canary gate needs: instant queries
 * (`/api/v1/query`) and range queries (`/api/v1/query_range`). It posts the query as a form
 * (Prometheus accepts POST for both, and long PromQL does not fit every proxy's URL limit),
 * retries what may pass (network errors, timeouts, 429 and 5xx) a bounded number of times and
 * never what will not (400 bad_data, 422 execution errors), and turns Prometheus's sample
 * strings into numbers, including `NaN`, `+Inf` and `-Inf`, which `Number()` alone gets wrong.
 */

export interface InstantSample {
  labels: Record<string, string>
  /** Unix time in seconds, as Prometheus reports it. */
  time: number
  value: number
}

export interface RangeSeries {
  labels: Record<string, string>
  points: { time: number; value: number }[]
}

export interface InstantResult {
  resultType: 'vector' | 'scalar'
  samples: InstantSample[]
  warnings: string[]
}

export interface RangeResult {
  series: RangeSeries[]
  warnings: string[]
}

/** What the judge needs from Prometheus; tests and the bench pass their own. */
export interface PrometheusApi {
  query(promql: string, time: Date): Promise<InstantResult>
  queryRange(promql: string, start: Date, end: Date, stepSeconds: number): Promise<RangeResult>
}

/** A failure reported by Prometheus or on the way to it; `retryable` says whether trying again may help. */
export class PrometheusError extends Error {
  override name = 'PrometheusError'
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly errorType?: string,
    readonly retryAfterMs?: number
  ) {
    super(message)
  }
}

export interface PrometheusClientOptions {
  url: URL
  token?: string
  /** Per-request timeout in milliseconds (default 10 s); also sent to Prometheus as `timeout`. */
  timeoutMs?: number
  retry?: RetryOptions
  fetch?: typeof fetch
}

/** Validates a Prometheus base URL: http or https, no credentials in it, no query or fragment. */
export function parsePrometheusUrl(text: string, inputName = 'prometheus-url'): URL {
  const accepted =
    'an http:// or https:// URL of a Prometheus server, such as http://prometheus:9090'
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new InputError(inputName, text, accepted)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(inputName, text, accepted)
  // Credentials in the URL would end up in logs and reports; the token input exists for that.
  if (url.username || url.password)
    throw new InputError(
      inputName,
      '(a URL with credentials)',
      `${accepted}, without user:password (use prometheus-token)`
    )
  if (url.search || url.hash)
    throw new InputError(inputName, text, `${accepted}, without a query string or fragment`)
  return url
}

export class PrometheusClient implements PrometheusApi {
  private readonly base: string
  private readonly timeoutMs: number
  private readonly fetchImpl: typeof fetch

  constructor(private readonly options: PrometheusClientOptions) {
    // Keep a path prefix (Prometheus behind a proxy at /prometheus) and join without doubling slashes.
    this.base = options.url.href.replace(/\/+$/, '')
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.fetchImpl = options.fetch ?? fetch
  }

  async query(promql: string, time: Date): Promise<InstantResult> {
    const data = await this.call('/api/v1/query', { query: promql, time: unixSeconds(time) })
    return parseInstant(data)
  }

  async queryRange(
    promql: string,
    start: Date,
    end: Date,
    stepSeconds: number
  ): Promise<RangeResult> {
    const data = await this.call('/api/v1/query_range', {
      query: promql,
      start: unixSeconds(start),
      end: unixSeconds(end),
      step: String(stepSeconds)
    })
    if (data.resultType !== 'matrix')
      throw new PrometheusError(
        `Prometheus answered a ${data.resultType} to a range query; expected a matrix`,
        false
      )
    return { series: parseMatrix(data.result), warnings: data.warnings }
  }

  private async call(path: string, params: Record<string, string>): Promise<ApiData> {
    const body = new URLSearchParams({
      ...params,
      timeout: `${Math.max(1, Math.floor(this.timeoutMs / 1000))}s`
    })
    return withRetry(() => this.attempt(path, body), {
      attempts: 3,
      baseDelayMs: 500,
      maxDelayMs: 5000,
      ...this.options.retry,
      retryable: error => error instanceof PrometheusError && error.retryable,
      delayFor: error => (error instanceof PrometheusError ? error.retryAfterMs : undefined)
    })
  }

  private async attempt(path: string, body: URLSearchParams): Promise<ApiData> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json'
    }
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`
    const where = `${this.base}${path}`
    let response: Response
    try {
      response = await this.fetchImpl(where, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs)
      })
    } catch (error) {
      const { name } = errorParts(error)
      const timedOut = name === 'TimeoutError' || name === 'AbortError'
      const reason = timedOut
        ? `no answer within ${this.timeoutMs} ms`
        : describeNetworkError(error)
      throw new PrometheusError(`Prometheus at ${this.base} could not be reached: ${reason}`, true)
    }
    let text: string
    try {
      text = await response.text()
    } catch (error) {
      throw new PrometheusError(
        `Prometheus at ${this.base} broke off its answer: ${describeNetworkError(error)}`,
        true,
        response.status
      )
    }
    const retryable = response.status === 429 || response.status >= 500
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
    let payload: ApiPayload | undefined
    try {
      payload = JSON.parse(text) as ApiPayload
    } catch {
      payload = undefined
    }
    if (!payload || typeof payload !== 'object' || typeof payload.status !== 'string') {
      const excerpt = text.slice(0, 200).replace(/\s+/g, ' ').trim()
      throw new PrometheusError(
        `Prometheus at ${this.base} answered HTTP ${response.status} without its JSON API envelope${excerpt ? `: ${excerpt}` : ''}${
          response.status === 401 || response.status === 403 ? ' (check prometheus-token)' : ''
        }`,
        retryable,
        response.status,
        undefined,
        retryAfterMs
      )
    }
    if (payload.status !== 'success' || !response.ok) {
      const type = payload.errorType ?? 'unknown'
      throw new PrometheusError(
        `Prometheus rejected the query (HTTP ${response.status}, ${type}): ${payload.error ?? 'no error message'}`,
        retryable,
        response.status,
        type,
        retryAfterMs
      )
    }
    const data = payload.data
    if (!data || typeof data.resultType !== 'string') {
      throw new PrometheusError(
        `Prometheus at ${this.base} answered success without data`,
        false,
        response.status
      )
    }
    return {
      resultType: data.resultType,
      result: data.result,
      warnings: Array.isArray(payload.warnings) ? payload.warnings.map(String) : []
    }
  }
}

interface ApiPayload {
  status: string
  data?: { resultType: string; result: unknown }
  errorType?: string
  error?: string
  warnings?: unknown[]
}

interface ApiData {
  resultType: string
  result: unknown
  warnings: string[]
}

/** Prometheus writes sample values as strings, with Go's spellings of the special values. */
export function parseSampleValue(text: unknown): number {
  if (typeof text !== 'string')
    throw new PrometheusError(
      `Prometheus sent a sample value that is not a string: ${JSON.stringify(text)}`,
      false
    )
  switch (text) {
    case 'NaN':
      return NaN
    case '+Inf':
    case 'Inf':
      return Infinity
    case '-Inf':
      return -Infinity
  }
  const value = Number(text)
  if (text.trim() === '' || Number.isNaN(value))
    throw new PrometheusError(
      `Prometheus sent a sample value that is not a number: ${JSON.stringify(text)}`,
      false
    )
  return value
}

function parsePair(pair: unknown): { time: number; value: number } {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number') {
    throw new PrometheusError(`Prometheus sent a malformed sample: ${JSON.stringify(pair)}`, false)
  }
  return { time: pair[0], value: parseSampleValue(pair[1]) }
}

function parseInstant(data: ApiData): InstantResult {
  if (data.resultType === 'scalar') {
    const { time, value } = parsePair(data.result)
    return { resultType: 'scalar', samples: [{ labels: {}, time, value }], warnings: data.warnings }
  }
  if (data.resultType !== 'vector' || !Array.isArray(data.result)) {
    throw new PrometheusError(
      `Prometheus answered a ${data.resultType} to an instant query; the query must give a number (an instant vector or a scalar)`,
      false
    )
  }
  const samples = data.result.map(
    (entry: { metric?: Record<string, string>; value?: unknown }) => ({
      labels: entry.metric ?? {},
      ...parsePair(entry.value)
    })
  )
  return { resultType: 'vector', samples, warnings: data.warnings }
}

function parseMatrix(result: unknown): RangeSeries[] {
  if (!Array.isArray(result))
    throw new PrometheusError('Prometheus sent a matrix that is not a list', false)
  return result.map((entry: { metric?: Record<string, string>; values?: unknown }) => {
    if (!Array.isArray(entry.values))
      throw new PrometheusError('Prometheus sent a series without values', false)
    return { labels: entry.metric ?? {}, points: entry.values.map(parsePair) }
  })
}

function unixSeconds(date: Date): string {
  return (date.getTime() / 1000).toFixed(3)
}

function describeNetworkError(error: unknown): string {
  const { message, cause } = errorParts(error)
  // fetch reports "fetch failed" and keeps the reason (ECONNREFUSED, a TLS error) in its cause.
  const detail = cause === undefined ? '' : errorParts(cause).message
  return detail && detail !== message ? `${message} (${detail})` : message
}

/**
 * Name, message and cause of a thrown value without `instanceof Error`: errors from fetch may
 * come from another realm (a VM context, as under Jest), where instanceof is false.
 */
function errorParts(error: unknown): { name: string; message: string; cause?: unknown } {
  if (typeof error === 'object' && error !== null) {
    const { name, message, cause } = error as { name?: unknown; message?: unknown; cause?: unknown }
    return {
      name: typeof name === 'string' ? name : '',
      message: typeof message === 'string' ? message : String(error),
      cause
    }
  }
  return { name: '', message: String(error) }
}
