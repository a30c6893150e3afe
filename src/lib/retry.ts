/**
 * Bounded retries with jittered exponential backoff, the one retry loop every network client
 * here uses. It never retries forever and rethrows the last error when the attempts run out.
 */
export interface RetryOptions {
  /** Total attempts, including the first. */
  attempts?: number
  baseDelayMs?: number
  maxDelayMs?: number
  /** Whether this error is worth another attempt; default: every error. */
  retryable?: (error: unknown) => boolean
  /** A delay the server asked for (Retry-After), used instead of the backoff when present. */
  delayFor?: (error: unknown) => number | undefined
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  /**
   * A bound on the whole loop, attempts and waits together: no retry starts that would begin
   * after it, and the last error says the deadline was reached.
   */
  deadlineMs?: number
  now?: () => number
}

/** The last error of a retry loop that ran out of time; the cause is the error itself. */
export class RetryDeadlineError extends Error {
  override name = 'RetryDeadlineError'
}

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {}
): Promise<T> {
  const {
    attempts = 4,
    baseDelayMs = 500,
    maxDelayMs = 10_000,
    retryable = () => true,
    delayFor,
    onRetry,
    sleep: wait = sleep,
    random = Math.random,
    deadlineMs,
    now = Date.now
  } = options
  const started = now()
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt)
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))
      const asked = delayFor?.(error)
      // Full jitter keeps many runners that failed together from retrying together.
      const delay =
        asked !== undefined
          ? Math.min(asked, maxDelayMs * 6)
          : Math.round(backoff * (0.5 + random() / 2))
      if (deadlineMs !== undefined && now() - started + delay >= deadlineMs) {
        const message = error instanceof Error ? error.message : String(error)
        throw new RetryDeadlineError(
          `${message} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}: the ${Math.round(deadlineMs / 1000)} s deadline for this operation was reached)`,
          { cause: error }
        )
      }
      onRetry?.(error, attempt, delay)
      await wait(delay)
    }
  }
}

/** Parses an HTTP Retry-After header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(
  header: string | null | undefined,
  now = Date.now()
): number | undefined {
  if (!header) return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
