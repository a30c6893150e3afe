/**
 * Timeouts for every HTTP call the suite makes (registries, GitHub, Prometheus already has its
 * own). Without them a server that accepts a connection and never answers holds a deploy for
 * undici's 300 s per attempt, times the nested retries. Two bounds, as curl and the Go registry
 * clients have them: the answer's headers must come within `headersMs` of sending (connect
 * included), and a body may not stall for longer than `idleMs` between chunks. A slow but
 * moving transfer is never cut.
 */
export interface HttpTimeouts {
  headersMs: number
  idleMs: number
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 60_000, idleMs: 60_000 }

/** A request that got no answer, or whose answer stalled, in time; retryable like a reset. */
export class HttpTimeoutError extends Error {
  override name = 'HttpTimeoutError'
  readonly code = 'ETIMEDOUT'
}

/** `fetch` with the two timeouts; the caller's own signal still aborts as before. */
export function fetchWithTimeouts(
  fetchImpl: typeof fetch,
  timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS
): typeof fetch {
  return async (input, init = {}) => {
    const controller = new AbortController()
    const url = String(input instanceof Request ? input.url : input)
    const where = `${init.method ?? 'GET'} ${new URL(url).origin}${new URL(url).pathname}`
    let timedOut: HttpTimeoutError | undefined
    const abortWith = (error: HttpTimeoutError) => {
      timedOut = error
      controller.abort(error)
    }
    init.signal?.addEventListener('abort', () => controller.abort(init.signal?.reason), {
      once: true
    })
    const headersTimer = setTimeout(
      () => abortWith(new HttpTimeoutError(`${where}: no answer within ${timeouts.headersMs} ms`)),
      timeouts.headersMs
    )
    let response: Response
    try {
      response = await fetchImpl(input, { ...init, signal: controller.signal })
    } catch (error) {
      throw timedOut ?? error
    } finally {
      clearTimeout(headersTimer)
    }
    if (!response.body) return response
    // The body passes through a stream whose idle timer restarts with every chunk.
    const reader = response.body.getReader()
    let idle: NodeJS.Timeout | undefined
    const arm = () => {
      clearTimeout(idle)
      idle = setTimeout(
        () =>
          abortWith(new HttpTimeoutError(`${where}: the answer stalled for ${timeouts.idleMs} ms`)),
        timeouts.idleMs
      )
    }
    const body = new ReadableStream<Uint8Array>({
      start: arm,
      async pull(stream) {
        try {
          const { done, value } = await reader.read()
          if (done) {
            clearTimeout(idle)
            stream.close()
          } else {
            arm()
            stream.enqueue(value)
          }
        } catch (error) {
          clearTimeout(idle)
          stream.error(timedOut ?? error)
        }
      },
      cancel(reason) {
        clearTimeout(idle)
        return reader.cancel(reason)
      }
    })
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers
    })
  }
}
