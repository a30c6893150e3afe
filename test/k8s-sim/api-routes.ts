import type { IncomingMessage, ServerResponse } from 'node:http'
import { parse as parseYaml } from 'yaml'
import { ApiError, badRequest } from './api-error.js'
import type { ResourceType } from './catalog.js'
import type { Cluster, PatchType } from './cluster.js'
import { SERVER_VERSION, discoveryRoot, resourceList } from './discovery.js'
import { openApiGroupVersion, openApiRoot } from './openapi.js'
import { decodeProtobufBody } from './protobuf.js'
import type { JsonMap, KubeObject } from './types.js'
import { isJsonMap } from './types.js'
import { serveWatch } from './watch.js'
import { toTable, wantsTable } from './table.js'

export interface ApiRequest {
  method: string
  url: URL
  headers: IncomingMessage['headers']
  body: Buffer
}

export type Answer = { status: number; body: unknown; contentType?: string } | { streamed: true }

const PATCH_TYPES: Record<string, PatchType> = {
  'application/strategic-merge-patch+json': 'strategic',
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply'
}

interface ResourcePath {
  type: ResourceType
  namespace: string | undefined
  name: string | undefined
  subresource: string | undefined
  watchPath: boolean
}

/** Serves the Kubernetes REST API (everything but the `/_sim/` admin paths). */
export function serveApi(
  cluster: Cluster,
  request: ApiRequest,
  res: ServerResponse,
  onWatch: (close: () => void) => void
): Answer {
  const { method, url } = request
  const path = url.pathname.replace(/\/+$/, '') || '/'
  const accept = request.headers.accept
  if (method === 'GET') {
    if (path === '/version') return ok(SERVER_VERSION)
    if (path === '/healthz' || path === '/livez' || path === '/readyz')
      return { status: 200, body: 'ok', contentType: 'text/plain' }
    if (path === '/api' || path === '/apis') {
      const answer = discoveryRoot(cluster.catalog, path === '/api', accept)
      return { status: 200, body: answer.body, contentType: answer.contentType }
    }
    if (path === '/openapi/v3') return ok(openApiRoot(cluster.catalog))
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiGroupVersion(cluster.catalog, path.slice('/openapi/v3/'.length))
      return doc ? ok(doc) : notServed(path)
    }
    const gv = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path)
    if (gv) {
      const list = resourceList(cluster.catalog, gv[2] ?? '', gv[1] ?? gv[3] ?? '')
      return list ? ok(list) : notServed(path)
    }
  }
  const target = parseResourcePath(cluster, path)
  if (!target) return notServed(path)
  const { type, namespace, name, subresource } = target
  const query = url.searchParams
  const dryRun = query.getAll('dryRun').includes('All')
  const manager = query.get('fieldManager') ?? managerFromUserAgent(request.headers['user-agent'])
  if (subresource && !type.subresources.includes(subresource)) return notServed(path)

  switch (method) {
    case 'GET': {
      const watch = target.watchPath || query.get('watch') === 'true' || query.get('watch') === '1'
      if (watch) {
        let columnsSent = false
        const render = (object: KubeObject) => {
          const table = toTable(
            type,
            [object],
            object.metadata.resourceVersion ?? '',
            query.get('includeObject'),
            !columnsSent
          )
          columnsSent = true
          return table
        }
        onWatch(
          serveWatch(
            cluster,
            { type, namespace, name, query, ...(wantsTable(accept) ? { render } : {}) },
            res
          )
        )
        return { streamed: true }
      }
      const table = wantsTable(accept) && subresource === undefined
      if (name === undefined) {
        const list = listBody(cluster, type, namespace, query)
        if (!table) return ok(list)
        return tableAnswer(
          toTable(type, list.items, list.metadata.resourceVersion, query.get('includeObject'))
        )
      }
      const object = cluster.get(type, namespace, name)
      if (table)
        return tableAnswer(
          toTable(type, [object], object.metadata.resourceVersion ?? '', query.get('includeObject'))
        )
      return ok(subresource === 'scale' ? scaleOf(object) : object)
    }
    case 'POST': {
      if (name !== undefined) return methodNotAllowed(method, path)
      return {
        status: 201,
        body: cluster.create(type, namespace, decodeBody(request), { manager, dryRun })
      }
    }
    case 'PUT': {
      if (name === undefined) return methodNotAllowed(method, path)
      if (subresource === 'scale')
        return ok(writeScale(cluster, type, namespace, name, decodeBody(request), manager))
      return ok(
        cluster.replace(type, namespace, name, decodeBody(request), {
          manager,
          dryRun,
          ...sub(subresource)
        })
      )
    }
    case 'PATCH': {
      if (name === undefined) return methodNotAllowed(method, path)
      const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''
      const patchType = PATCH_TYPES[contentType]
      if (!patchType) {
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`
        )
      }
      const body =
        patchType === 'apply' ? parseYaml(request.body.toString('utf8')) : parseJson(request.body)
      if (patchType === 'apply' && !query.get('fieldManager')) {
        throw new ApiError(
          422,
          'Invalid',
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
        )
      }
      if (subresource === 'scale') {
        const scale = scaleOf(cluster.get(type, namespace, name))
        const patched =
          patchType === 'json'
            ? body
            : {
                ...scale,
                spec: {
                  ...(scale.spec as JsonMap),
                  ...(isJsonMap(body) && isJsonMap(body.spec) ? body.spec : {})
                }
              }
        return ok(writeScale(cluster, type, namespace, name, patched, manager))
      }
      const force = query.get('force') === 'true'
      return ok(
        cluster.patch(type, namespace, name, patchType, body, {
          manager,
          dryRun,
          force,
          ...sub(subresource)
        })
      )
    }
    case 'DELETE': {
      const options = deleteOptions(request, query)
      if (name === undefined) {
        const list = cluster.list(type, namespace, selectorOptions(query))
        for (const item of list.items)
          cluster.delete(type, item.metadata.namespace, item.metadata.name ?? '', options)
        return ok({
          kind: `${type.kind}List`,
          apiVersion: list.items[0]?.apiVersion ?? '',
          metadata: { resourceVersion: String(cluster.store.resourceVersion) },
          items: list.items
        })
      }
      return ok(cluster.delete(type, namespace, name, options))
    }
    default:
      return methodNotAllowed(method, path)
  }
}

function ok(body: unknown): Answer {
  return { status: 200, body }
}

function tableAnswer(table: unknown): Answer {
  return { status: 200, body: table, contentType: 'application/json;as=Table;v=v1;g=meta.k8s.io' }
}

function sub(subresource: string | undefined): { subresource?: string } {
  return subresource ? { subresource } : {}
}

function notServed(path: string): Answer {
  const error = new ApiError(404, 'NotFound', 'the server could not find the requested resource')
  return {
    status: 404,
    body: {
      ...error.toStatus(),
      details: {
        causes: [{ reason: 'UnexpectedServerResponse', message: `404 page not found: ${path}` }]
      }
    }
  }
}

function methodNotAllowed(method: string, path: string): Answer {
  return {
    status: 405,
    body: new ApiError(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource: ${method} ${path}`
    ).toStatus()
  }
}

function parseResourcePath(cluster: Cluster, path: string): ResourcePath | undefined {
  const segments = path
    .split('/')
    .filter(s => s !== '')
    .map(decodeURIComponent)
  let group: string
  let version: string
  let rest: string[]
  if (segments[0] === 'api' && segments.length >= 2) {
    group = ''
    version = segments[1] ?? ''
    rest = segments.slice(2)
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    group = segments[1] ?? ''
    version = segments[2] ?? ''
    rest = segments.slice(3)
  } else return undefined
  const watchPath = rest[0] === 'watch'
  if (watchPath) rest = rest.slice(1)
  let namespace: string | undefined
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))
  ) {
    namespace = rest[1]
    rest = rest.slice(2)
  }
  const [plural, name, subresource, ...extra] = rest
  if (!plural || extra.length > 0) return undefined
  const type = cluster.catalog.byPlural(group, version, plural)
  if (!type) return undefined
  if (type.namespaced === false && namespace !== undefined) return undefined
  return {
    type,
    namespace,
    name,
    subresource: subresource === 'finalize' ? 'status' : subresource,
    watchPath
  }
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw badRequest('the request body is not valid JSON')
  }
}

function decodeBody(request: ApiRequest): unknown {
  const contentType = request.headers['content-type'] ?? ''
  if (contentType.startsWith('application/vnd.kubernetes.protobuf'))
    return decodeProtobufBody(request.body)
  if (contentType.includes('yaml')) return parseYaml(request.body.toString('utf8'))
  return parseJson(request.body)
}

function deleteOptions(request: ApiRequest, query: URLSearchParams) {
  const body = request.body.length > 0 ? decodeBody(request) : undefined
  const options = isJsonMap(body) ? body : {}
  const policy =
    (typeof options.propagationPolicy === 'string' ? options.propagationPolicy : undefined) ??
    query.get('propagationPolicy') ??
    (options.orphanDependents === true ? 'Orphan' : undefined)
  const preconditions = isJsonMap(options.preconditions)
    ? (options.preconditions as { uid?: string; resourceVersion?: string })
    : undefined
  const dryRun =
    query.getAll('dryRun').includes('All') ||
    (Array.isArray(options.dryRun) && options.dryRun.includes('All'))
  return {
    ...(policy ? { propagationPolicy: policy } : {}),
    ...(preconditions ? { preconditions } : {}),
    dryRun
  }
}

function selectorOptions(query: URLSearchParams) {
  const limit = Number(query.get('limit') ?? '0')
  return {
    ...(query.get('labelSelector') ? { labelSelector: query.get('labelSelector') ?? '' } : {}),
    ...(query.get('fieldSelector') ? { fieldSelector: query.get('fieldSelector') ?? '' } : {}),
    ...(limit > 0 ? { limit } : {}),
    ...(query.get('continue') ? { continueToken: query.get('continue') ?? '' } : {})
  }
}

function listBody(
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams
) {
  const list = cluster.list(type, namespace, selectorOptions(query))
  return {
    kind: `${type.kind}List`,
    apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
    metadata: {
      resourceVersion: list.resourceVersion,
      ...(list.continueToken
        ? { continue: list.continueToken, remainingItemCount: list.remainingItemCount }
        : {})
    },
    items: list.items
  }
}

function scaleOf(object: KubeObject): JsonMap {
  const spec = (object.spec ?? {}) as JsonMap
  const status = (object.status ?? {}) as JsonMap
  const selector =
    isJsonMap(spec.selector) && isJsonMap(spec.selector.matchLabels)
      ? spec.selector.matchLabels
      : {}
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: {
      replicas: status.replicas ?? 0,
      selector: Object.entries(selector)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',')
    }
  }
}

function writeScale(
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  body: unknown,
  manager: string
): JsonMap {
  const replicas = isJsonMap(body) && isJsonMap(body.spec) ? body.spec.replicas : undefined
  if (typeof replicas !== 'number') throw badRequest('a Scale needs spec.replicas')
  const updated = cluster.patch(type, namespace, name, 'merge', { spec: { replicas } }, { manager })
  return scaleOf(updated)
}

/** The default field manager: the user agent's program name, as the API server derives it. */
function managerFromUserAgent(userAgent: string | undefined): string {
  return (userAgent ?? 'unknown').split('/')[0] || 'unknown'
}
