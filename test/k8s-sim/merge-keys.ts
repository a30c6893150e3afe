/**
 * How the API server merges each list of the built-in kinds (their `patchStrategy` and
 * `patchMergeKey`, also the `listMapKeys` server-side apply uses), keyed by field name and the
 * field's parent. Lists not named here are atomic: a patch replaces them whole, as on a cluster.
 */
export type ListStrategy = { kind: 'map'; key: string } | { kind: 'set' } | { kind: 'atomic' }

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers'])

const BY_FIELD: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  secrets: 'name',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name'
}

/** `path` holds the field names from the object's root to the list, without list indices. */
export function listStrategy(path: readonly string[], custom: boolean): ListStrategy {
  if (custom) return { kind: 'atomic' }
  const field = path.at(-1) ?? ''
  if (field === 'finalizers') return { kind: 'set' }
  if (field === 'ports') {
    const parent = path.at(-2) ?? ''
    if (CONTAINER_LISTS.has(parent)) return { kind: 'map', key: 'containerPort' }
    if (parent === 'spec' && path.length === 2) return { kind: 'map', key: 'port' }
    return { kind: 'atomic' }
  }
  // Secrets in a ServiceAccount merge by name; elsewhere (e.g. a projected volume) they do not exist.
  const key = BY_FIELD[field]
  return key ? { kind: 'map', key } : { kind: 'atomic' }
}
