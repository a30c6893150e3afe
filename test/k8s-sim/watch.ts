import type { ServerResponse } from 'node:http'
import type { ResourceType } from './catalog.js'
import { apiVersionOf, storageKey } from './catalog.js'
import type { Cluster } from './cluster.js'
import { parseFieldSelector, parseLabelSelector } from './selectors.js'
import type { StoreEvent } from './store.js'
import type { KubeObject } from './types.js'

export interface WatchRequest {
  type: ResourceType
  namespace: string | undefined
  /** From a `/watch/…/NAME` path: the same as a `metadata.name` field selector. */
  name: string | undefined
  query: URLSearchParams
  /** How each object is shown (server-side printing turns it into a one-row Table). */
  render?: (object: KubeObject) => unknown
}

/**
 * One streamed watch: newline-delimited `{"type","object"}` events, headers flushed at once
 * (client-go cannot cancel a request before its headers arrive). Supports the initial-events
 * protocol of WatchList (`sendInitialEvents=true`, ending with the `k8s.io/initial-events-end`
 * bookmark), resuming from a resourceVersion (410 Expired when too old), and selectors, with
 * objects that stop or start matching reported as DELETED or ADDED as the API server does.
 */
export function serveWatch(
  cluster: Cluster,
  request: WatchRequest,
  res: ServerResponse
): () => void {
  const { type, namespace, name, query } = request
  const render = request.render ?? ((object: KubeObject) => object)
  const labels = parseLabelSelector(query.get('labelSelector') ?? '')
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '')
  const matches = (object: KubeObject | undefined): boolean =>
    object !== undefined &&
    (!type.namespaced || namespace === undefined || object.metadata.namespace === namespace) &&
    (name === undefined || object.metadata.name === name) &&
    labels(object.metadata.labels) &&
    fields(object)
  const send = (eventType: string, object: unknown) => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type: eventType, object })}\n`)
  }
  const forward = (event: StoreEvent) => {
    if (event.key !== storageKey(type)) return
    const now = matches(event.object)
    const before = event.type === 'MODIFIED' && matches(event.previous)
    let eventType: string | undefined
    if (event.type === 'ADDED' && now) eventType = 'ADDED'
    else if (event.type === 'DELETED' && matches(event.previous)) eventType = 'DELETED'
    else if (event.type === 'MODIFIED')
      eventType = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined
    if (eventType) send(eventType, render(cluster.present(type, event.object)))
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' })
  res.flushHeaders()

  const resourceVersion = query.get('resourceVersion') ?? ''
  const initialEvents = query.get('sendInitialEvents') === 'true'
  const backlog: StoreEvent[] = []
  if (initialEvents || resourceVersion === '' || resourceVersion === '0') {
    for (const object of cluster.store.list(type, type.namespaced ? namespace : undefined)) {
      if (matches(object)) send('ADDED', render(cluster.present(type, object)))
    }
    if (initialEvents) {
      send('BOOKMARK', {
        kind: type.kind,
        apiVersion: apiVersionOf(type),
        metadata: {
          resourceVersion: String(cluster.store.resourceVersion),
          annotations: { 'k8s.io/initial-events-end': 'true' }
        }
      })
    }
  } else {
    const since = cluster.store.eventsSince(Number(resourceVersion))
    if (since === undefined) {
      send('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${resourceVersion} (${cluster.store.oldestResumable})`,
        reason: 'Expired',
        code: 410
      })
      res.end()
      return () => {}
    }
    backlog.push(...since)
  }
  for (const event of backlog) forward(event)
  const unsubscribe = cluster.store.subscribe(forward)

  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0')
  const timer = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined
  const close = () => {
    unsubscribe()
    if (timer) clearTimeout(timer)
    if (!res.writableEnded) res.end()
  }
  // `req.on('close')` fires once the request body is read; only the response tells a gone client.
  res.on('close', close)
  return close
}
