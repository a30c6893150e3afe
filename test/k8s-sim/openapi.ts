import type { Catalog, ResourceType } from './catalog.js'

/**
 * OpenAPI v3 as far as Helm and kubectl read it for validation: per group/version, a PATCH
 * operation for each kind carrying `x-kubernetes-group-version-kind` and a `fieldValidation`
 * parameter. Seeing that parameter, clients leave validation to the server and download no
 * schema. The simulator publishes no schemas, so it validates no fields (see README).
 */

function pathKey(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`
}

function hashOf(types: readonly ResourceType[]): string {
  let hash = 0
  for (const ch of types.map(t => t.kind).join(',')) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0
  return hash.toString(16).toUpperCase().padStart(8, '0')
}

export function openApiRoot(catalog: Catalog): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {}
  for (const { group, version } of catalog.groupVersions()) {
    const key = pathKey(group, version)
    const types = catalog.all().filter(t => t.group === group && t.version === version)
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hashOf(types)}` }
  }
  return { paths }
}

/** The document for one group/version (`api/v1`, `apis/apps/v1`), or undefined if not served. */
export function openApiGroupVersion(catalog: Catalog, key: string): unknown | undefined {
  const gv = catalog.groupVersions().find(({ group, version }) => pathKey(group, version) === key)
  if (!gv) return undefined
  const types = catalog.all().filter(t => t.group === gv.group && t.version === gv.version)
  const paths: Record<string, unknown> = {}
  for (const type of types) {
    const base = `/${key}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.plural}/{name}`
    const gvk = { group: type.group, version: type.version, kind: type.kind }
    const parameters = [
      { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } }
    ]
    paths[base] = {
      patch: {
        operationId: `patch${type.kind}`,
        parameters,
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk
      },
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }]
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (k8s-sim)', version: 'v1.31.0' },
    paths,
    components: { schemas: {} }
  }
}
