import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DEFAULT_HTTP_TIMEOUTS, HttpTimeoutError, type HttpTimeouts } from '../http-timeouts.js'

/**
 * One HTTP request with a streamed body of unknown length (chunked transfer encoding), with
 * real backpressure: the body is pulled only as fast as the socket drains. fetch buffered a
 * streamed request body without bound here (a 1 GiB layer cost 1.2 GiB of memory), so the one
 * request that streams a large layer uses node:http directly.
 */
export function streamRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: AsyncIterable<Buffer>,
  timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest
    let answered = false
    const request = send(target, { method, headers }, response => {
      answered = true
      response.resume()
      response.on('error', reject)
      response.on('end', () =>
        resolve(
          new Response(null, {
            status: response.statusCode ?? 502,
            headers: toHeaders(response.headers)
          })
        )
      )
    })
    request.on('error', error => {
      if (!answered) reject(error)
    })
    // A socket idle in both directions (a peer that stopped reading or never answers) fails the
    // upload with a timeout, which is retried like a reset, instead of hanging the deploy.
    request.setTimeout(timeouts.idleMs, () =>
      request.destroy(
        new HttpTimeoutError(
          `${method} ${target.origin}${target.pathname}: the connection was idle for ${timeouts.idleMs} ms`
        )
      )
    )
    pipeline(Readable.from(body, { objectMode: false }), request).catch((error: unknown) => {
      // A registry may answer (and close) before taking the whole body; its answer counts.
      if (!answered) {
        request.destroy()
        reject(error)
      }
    })
  })
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
  }
  return headers
}
