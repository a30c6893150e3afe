import type { FaultSpec } from './faults.js'
import type { StoredRelease } from './helm-release.js'
import type { RequestRecord } from './simulator.js'
import type { KubeObject } from './types.js'

/** Drives a simulator in another process (started by `cli.ts`) through its `/_sim/` routes. */
export interface RemoteK8sSimulator {
  url: string
  setRolloutDelay(ms: number): Promise<void>
  markImageBroken(pattern: string, reason?: string): Promise<void>
  failLater(pattern: string, afterMs: number): Promise<void>
  clearImageRules(): Promise<void>
  injectFault(fault: Omit<FaultSpec, 'pathPattern'> & { pathPattern?: string }): Promise<number>
  clearFaults(): Promise<void>
  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string
  ): Promise<KubeObject | undefined>
  list(
    apiVersion: string,
    kind: string,
    namespace?: string,
    labelSelector?: string
  ): Promise<KubeObject[]>
  put(object: KubeObject): Promise<KubeObject>
  releases(namespace?: string, name?: string): Promise<StoredRelease[]>
  requests(): Promise<RequestRecord[]>
  stop(): Promise<void>
}

export function connectK8sSimulator(url: string): RemoteK8sSimulator {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}/_sim/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await res.text()
    const parsed: unknown = text ? JSON.parse(text) : undefined
    if (res.status === 404 && method === 'GET' && path.startsWith('object?')) return undefined
    if (!res.ok) throw new Error(`k8s-sim ${method} /_sim/${path}: ${res.status} ${text}`)
    return parsed
  }
  const params = (values: Record<string, string | undefined>) =>
    new URLSearchParams(
      Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined)
    ).toString()
  return {
    url,
    setRolloutDelay: async ms => void (await call('PUT', 'rollout-delay', { ms })),
    markImageBroken: async (pattern, reason) =>
      void (await call('POST', 'broken-images', { pattern, reason })),
    failLater: async (pattern, afterMs) =>
      void (await call('POST', 'fail-later', { pattern, afterMs })),
    clearImageRules: async () => void (await call('DELETE', 'image-rules')),
    injectFault: async fault => ((await call('POST', 'faults', fault)) as { id: number }).id,
    clearFaults: async () => void (await call('DELETE', 'faults')),
    get: async (apiVersion, kind, namespace, name) =>
      (await call('GET', `object?${params({ apiVersion, kind, namespace, name })}`)) as
        KubeObject | undefined,
    list: async (apiVersion, kind, namespace, labelSelector) =>
      (
        (await call(
          'GET',
          `objects?${params({ apiVersion, kind, namespace, labelSelector })}`
        )) as { items: KubeObject[] }
      ).items,
    put: async object => (await call('PUT', 'object', object)) as KubeObject,
    releases: async (namespace, name) =>
      (
        (await call('GET', `releases?${params({ namespace, name })}`)) as {
          releases: StoredRelease[]
        }
      ).releases,
    requests: async () =>
      ((await call('GET', 'requests')) as { requests: RequestRecord[] }).requests,
    stop: async () => void (await call('POST', 'stop'))
  }
}
