import { ApiError } from './api-error.js'
import type { FaultInjector, FaultSpec } from './faults.js'
import type { K8sSimulator } from './simulator.js'
import type { JsonMap, KubeObject } from './types.js'
import { isJsonMap } from './types.js'

/**
 * `/_sim/…`: the test controls and read-back over HTTP, for the demo and other processes.
 * Every route mirrors a method of the in-process `K8sSimulator`; `remote.ts` is its client.
 */
export async function serveAdmin(
  sim: K8sSimulator,
  faults: FaultInjector,
  method: string,
  url: URL,
  body: Buffer
): Promise<{ status: number; body: unknown }> {
  const q = url.searchParams
  const json = (): JsonMap => {
    const parsed: unknown = body.length > 0 ? JSON.parse(body.toString('utf8')) : {}
    if (!isJsonMap(parsed))
      throw new ApiError(400, 'BadRequest', 'the admin body must be a JSON object')
    return parsed
  }
  const route = `${method} ${url.pathname}`
  try {
    switch (route) {
      case 'GET /_sim/health':
        return { status: 200, body: { ok: true, url: sim.url, kubeconfigPath: sim.kubeconfigPath } }
      case 'GET /_sim/objects': {
        const selector = q.get('labelSelector')
        const items = sim.list(
          q.get('apiVersion') ?? '',
          q.get('kind') ?? '',
          q.get('namespace') ?? undefined,
          selector ? { labelSelector: selector } : {}
        )
        return { status: 200, body: { items } }
      }
      case 'GET /_sim/object': {
        const object = sim.get(
          q.get('apiVersion') ?? '',
          q.get('kind') ?? '',
          q.get('namespace') ?? undefined,
          q.get('name') ?? ''
        )
        return object
          ? { status: 200, body: object }
          : { status: 404, body: { message: 'not found' } }
      }
      case 'PUT /_sim/object':
        return { status: 200, body: sim.put(json() as KubeObject) }
      case 'DELETE /_sim/object':
        sim.remove(
          q.get('apiVersion') ?? '',
          q.get('kind') ?? '',
          q.get('namespace') ?? undefined,
          q.get('name') ?? ''
        )
        return { status: 200, body: { ok: true } }
      case 'GET /_sim/releases':
        return {
          status: 200,
          body: {
            releases: sim.releases(q.get('namespace') ?? undefined, q.get('name') ?? undefined)
          }
        }
      case 'GET /_sim/requests':
        return { status: 200, body: { requests: sim.requests() } }
      case 'DELETE /_sim/requests':
        sim.clearRequests()
        return { status: 200, body: { ok: true } }
      case 'PUT /_sim/rollout-delay': {
        const ms = json().ms
        if (typeof ms !== 'number' || ms < 0)
          throw new ApiError(400, 'BadRequest', 'ms must be a number of milliseconds')
        sim.setRolloutDelay(ms)
        return { status: 200, body: { ok: true } }
      }
      case 'POST /_sim/broken-images': {
        const b = json()
        sim.markImageBroken(patternOf(b), typeof b.reason === 'string' ? b.reason : undefined)
        return { status: 200, body: { ok: true } }
      }
      case 'POST /_sim/fail-later': {
        const b = json()
        if (typeof b.afterMs !== 'number')
          throw new ApiError(400, 'BadRequest', 'afterMs must be a number')
        sim.failLater(patternOf(b), b.afterMs)
        return { status: 200, body: { ok: true } }
      }
      case 'DELETE /_sim/image-rules':
        sim.clearImageRules()
        return { status: 200, body: { ok: true } }
      case 'POST /_sim/faults': {
        const b = json()
        const spec: FaultSpec = {
          ...(typeof b.status === 'number' ? { status: b.status } : {}),
          ...(typeof b.slowMs === 'number' ? { slowMs: b.slowMs } : {}),
          ...(b.drop === true ? { drop: true } : {}),
          ...(typeof b.count === 'number' ? { count: b.count } : {}),
          ...(typeof b.method === 'string' ? { method: b.method } : {}),
          ...(typeof b.pathPattern === 'string' ? { pathPattern: b.pathPattern } : {}),
          ...(typeof b.pathRegex === 'string' ? { pathPattern: new RegExp(b.pathRegex) } : {})
        }
        return { status: 200, body: { id: faults.add(spec) } }
      }
      case 'DELETE /_sim/faults':
        sim.clearFaults()
        return { status: 200, body: { ok: true } }
      case 'POST /_sim/stop':
        setImmediate(() => void sim.stop())
        return { status: 200, body: { ok: true } }
      default:
        return { status: 404, body: { message: `no admin route ${route}` } }
    }
  } catch (error) {
    if (error instanceof ApiError) return { status: error.code, body: error.toStatus() }
    return {
      status: 400,
      body: { message: error instanceof Error ? error.message : String(error) }
    }
  }
}

function patternOf(body: JsonMap): string | RegExp {
  if (typeof body.regex === 'string') return new RegExp(body.regex)
  if (typeof body.pattern === 'string' && body.pattern !== '') return body.pattern
  throw new ApiError(400, 'BadRequest', 'give an image pattern (glob with *) or a regex')
}
