import type { KubeObject } from './types.js'
import { isJsonMap } from './types.js'

/** One REST resource the simulator serves, as discovery describes it. */
export interface ResourceType {
  group: string
  version: string
  kind: string
  plural: string
  singular: string
  namespaced: boolean
  shortNames: string[]
  categories: string[]
  subresources: string[]
  /** Kinds whose strategy keeps `metadata.generation` (bumped when the spec changes). */
  tracksGeneration: boolean
  /** Defined by a CustomResourceDefinition: strategic merge patch is refused, as on a cluster. */
  custom: boolean
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

export function verbsOf(_type: ResourceType): string[] {
  return VERBS
}

function builtIn(
  apiVersion: string,
  kind: string,
  plural: string,
  options: Partial<
    Pick<
      ResourceType,
      'namespaced' | 'shortNames' | 'categories' | 'subresources' | 'tracksGeneration'
    >
  > = {}
): ResourceType {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  return {
    group: group ?? '',
    version: version ?? 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced: options.namespaced ?? true,
    shortNames: options.shortNames ?? [],
    categories: options.categories ?? [],
    subresources: options.subresources ?? [],
    tracksGeneration: options.tracksGeneration ?? false,
    custom: false
  }
}

const ALL = ['all']

export const BUILT_IN_TYPES: readonly ResourceType[] = [
  builtIn('v1', 'Namespace', 'namespaces', {
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['status']
  }),
  builtIn('v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  builtIn('v1', 'Secret', 'secrets'),
  builtIn('v1', 'Service', 'services', {
    shortNames: ['svc'],
    categories: ALL,
    subresources: ['status']
  }),
  builtIn('v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'] }),
  builtIn('v1', 'Pod', 'pods', { shortNames: ['po'], categories: ALL, subresources: ['status'] }),
  builtIn('v1', 'Endpoints', 'endpoints', { shortNames: ['ep'] }),
  builtIn('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', {
    shortNames: ['pvc'],
    subresources: ['status']
  }),
  builtIn('v1', 'Event', 'events', { shortNames: ['ev'] }),
  builtIn('apps/v1', 'Deployment', 'deployments', {
    shortNames: ['deploy'],
    categories: ALL,
    subresources: ['status', 'scale'],
    tracksGeneration: true
  }),
  builtIn('apps/v1', 'ReplicaSet', 'replicasets', {
    shortNames: ['rs'],
    categories: ALL,
    subresources: ['status', 'scale'],
    tracksGeneration: true
  }),
  builtIn('batch/v1', 'Job', 'jobs', {
    categories: ALL,
    subresources: ['status'],
    tracksGeneration: true
  }),
  builtIn('batch/v1', 'CronJob', 'cronjobs', {
    shortNames: ['cj'],
    categories: ALL,
    subresources: ['status'],
    tracksGeneration: true
  }),
  builtIn('networking.k8s.io/v1', 'Ingress', 'ingresses', {
    shortNames: ['ing'],
    subresources: ['status'],
    tracksGeneration: true
  }),
  builtIn('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies', {
    shortNames: ['netpol'],
    tracksGeneration: true
  }),
  builtIn('networking.k8s.io/v1', 'IngressClass', 'ingressclasses', { namespaced: false }),
  builtIn('autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', {
    shortNames: ['hpa'],
    categories: ALL,
    subresources: ['status']
  }),
  builtIn('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', {
    shortNames: ['pdb'],
    subresources: ['status'],
    tracksGeneration: true
  }),
  builtIn('rbac.authorization.k8s.io/v1', 'Role', 'roles'),
  builtIn('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings'),
  builtIn('rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', { namespaced: false }),
  builtIn('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebindings', {
    namespaced: false
  }),
  builtIn('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', {
    namespaced: false,
    shortNames: ['crd', 'crds'],
    subresources: ['status'],
    tracksGeneration: true
  })
]

/** The served resource types: the built-in ones plus those the stored CRDs define. */
export class Catalog {
  private custom: ResourceType[] = []

  all(): readonly ResourceType[] {
    return [...BUILT_IN_TYPES, ...this.custom]
  }

  /** Group/versions in discovery order (the core group first). */
  groupVersions(): Array<{ group: string; version: string }> {
    const seen = new Map<string, { group: string; version: string }>()
    for (const type of this.all()) {
      const key = `${type.group}/${type.version}`
      if (!seen.has(key)) seen.set(key, { group: type.group, version: type.version })
    }
    return [...seen.values()]
  }

  byPlural(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find(t => t.group === group && t.version === version && t.plural === plural)
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
    return this.all().find(t => t.group === group && t.version === version && t.kind === kind)
  }

  /** Any served version of a kind: objects are stored once per group and resource. */
  byGroupKind(group: string, kind: string): ResourceType | undefined {
    return this.all().find(t => t.group === group && t.kind === kind)
  }

  /** Rebuilds the custom types from the CRDs that exist now. */
  setCustomResourceDefinitions(crds: readonly KubeObject[]): void {
    this.custom = crds.flatMap(typesOfCrd)
  }
}

function typesOfCrd(crd: KubeObject): ResourceType[] {
  const spec = crd.spec
  if (!isJsonMap(spec) || !isJsonMap(spec.names) || typeof spec.group !== 'string') return []
  const names = spec.names
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonMap) : []
  return versions
    .filter(v => v.served !== false && typeof v.name === 'string')
    .map(v => {
      const subresources = isJsonMap(v.subresources) ? Object.keys(v.subresources) : []
      return {
        group: spec.group as string,
        version: v.name as string,
        kind: String(names.kind),
        plural: String(names.plural),
        singular: String(names.singular ?? String(names.kind).toLowerCase()),
        namespaced: spec.scope !== 'Cluster',
        shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
        categories: Array.isArray(names.categories) ? names.categories.map(String) : [],
        subresources,
        tracksGeneration: true,
        custom: true
      }
    })
}

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version
}

/** Where objects of a type live in the store, whatever version they were written with. */
export function storageKey(type: ResourceType): string {
  return `${type.group}/${type.plural}`
}
