/**
 * Steady traffic to model servers for as long as a test needs it: `rate` POST /predict requests
 * a second to each URL, spread evenly, until `stop()`. Bounded: it stops by itself after
 * `maxSeconds`, and sends only to loopback addresses.
 */
import { sampleRows } from '../examples/model-repo.js'

export interface Load {
  sent: number
  stop(): Promise<void>
}

export async function startLoad(
  urls: string[],
  options: { rate: number; maxSeconds?: number }
): Promise<Load> {
  for (const url of urls) {
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname))
      throw new Error(`Load only goes to loopback, not ${url}`)
  }
  // Every URL gets the same rows in the same order, so that healthy tracks see the same inputs.
  const rows = await sampleRows(1000)
  const bodies = rows.map(features => JSON.stringify({ features }))
  const load: Load = { sent: 0, stop: async () => undefined }
  const inflight = new Set<Promise<unknown>>()
  const tick = 1000 / options.rate
  const timers = urls.map(url => {
    let next = 0
    return setInterval(() => {
      const body = bodies[next++ % bodies.length] as string
      const request = fetch(`${url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(5000)
      })
        .then(response => response.arrayBuffer())
        .catch(() => undefined)
      load.sent++
      inflight.add(request)
      void request.finally(() => inflight.delete(request))
    }, tick)
  })
  const stopAll = () => timers.forEach(timer => clearInterval(timer))
  const deadline = setTimeout(stopAll, (options.maxSeconds ?? 300) * 1000)
  load.stop = async () => {
    stopAll()
    clearTimeout(deadline)
    await Promise.all([...inflight])
  }
  return load
}
