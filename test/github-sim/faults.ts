// Injected failures: server errors, both kinds of rate limit, and slow answers. Each fault
// fires for the next `times` matching requests, then is used up.
import type { SimResponse } from './http.js'

interface Matching {
  /** A RegExp, or a string that the request path must contain. Default: every path. */
  path?: RegExp | string
  method?: string
  /** How many matching requests it affects (default 1; Infinity for all). */
  times?: number
}

export type FaultSpec = Matching &
  (
    | { type?: 'status'; status: 500 | 502 | 503 | 504 }
    | { type: 'secondary-rate-limit'; retryAfter?: number }
    | { type: 'primary-rate-limit'; status?: 403 | 429; resetAfterSeconds?: number }
    | { type: 'delay'; ms: number }
    /** The write is applied, then the answer is lost: the client sees a 502 (a proxy timeout). */
    | { type: 'lost-response' }
  )

export interface FiredFault {
  type: string
  method: string
  path: string
}

export interface FaultOutcome {
  /** Wait this long before answering (a `delay` fault). */
  delayMs: number
  /** Answer with this instead of the real handler. */
  response?: SimResponse
  /** The handler runs first (its change is kept), then `response` replaces its answer. */
  afterHandler?: boolean
  name?: string
}

const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
  'If you reach out to GitHub Support for help, please include the request ID '

export class Faults {
  private readonly pending: Array<{ spec: FaultSpec; left: number }> = []
  readonly fired: FiredFault[] = []

  add(spec: FaultSpec): void {
    const times = spec.times ?? 1
    if (!(times > 0)) throw new Error(`A fault needs times > 0, got ${times}`)
    this.pending.push({ spec, left: times })
  }

  clear(): void {
    this.pending.length = 0
  }

  /** Faults not used up yet, with how many requests each still affects. */
  list(): Array<FaultSpec & { left: number }> {
    return this.pending.map(p => ({ ...p.spec, left: p.left }))
  }

  /** Takes the faults that apply to this request: any delay, and the first failure. */
  take(method: string, path: string, requestId: string): FaultOutcome {
    const outcome: FaultOutcome = { delayMs: 0 }
    for (const entry of [...this.pending]) {
      if (!matches(entry.spec, method, path)) continue
      const isDelay = entry.spec.type === 'delay'
      if (!isDelay && outcome.response) continue
      entry.left--
      if (entry.left <= 0) this.pending.splice(this.pending.indexOf(entry), 1)
      const type = entry.spec.type ?? 'status'
      this.fired.push({ type, method, path })
      if (entry.spec.type === 'delay') {
        outcome.delayMs += entry.spec.ms
      } else {
        outcome.response = failure(entry.spec, requestId)
        outcome.name = type
        if (entry.spec.type === 'lost-response') outcome.afterHandler = true
      }
    }
    return outcome
  }
}

function matches(spec: FaultSpec, method: string, path: string): boolean {
  if (spec.method && spec.method.toUpperCase() !== method.toUpperCase()) return false
  if (spec.path === undefined) return true
  return typeof spec.path === 'string' ? path.includes(spec.path) : spec.path.test(path)
}

function failure(spec: Exclude<FaultSpec, { type: 'delay' }>, requestId: string): SimResponse {
  const headers: Record<string, string> = { 'x-github-request-id': requestId }
  switch (spec.type) {
    case 'secondary-rate-limit':
      // plugin-throttling recognises this by /\bsecondary rate\b/ in the message and waits
      // `retry-after` seconds.
      return {
        status: 403,
        headers: { ...headers, 'retry-after': String(spec.retryAfter ?? 1) },
        body: {
          message: `${SECONDARY_MESSAGE}${requestId}.`,
          documentation_url:
            'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: '403'
        }
      }
    case 'primary-rate-limit': {
      const reset = Math.ceil(Date.now() / 1000) + (spec.resetAfterSeconds ?? 1)
      const status = spec.status ?? 403
      return {
        status,
        headers: {
          ...headers,
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': '5000',
          'x-ratelimit-reset': String(reset),
          'x-ratelimit-resource': 'core'
        },
        body: {
          message: `API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          status: String(status)
        }
      }
    }
    case 'lost-response':
      return { status: 502, headers, body: { message: 'Server Error', status: '502' } }
    default:
      return {
        status: spec.status,
        headers,
        body: {
          message: spec.status === 502 ? 'Server Error' : 'Service Unavailable',
          status: String(spec.status)
        }
      }
  }
}
