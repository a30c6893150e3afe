import type { Catalog, ResourceType } from './catalog.js'
import { verbsOf } from './catalog.js'

/** What `/version` reports: a current minor, so clients pick their modern code paths. */
export const SERVER_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-k8s-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.22.0',
  compiler: 'gc',
  platform: 'linux/amd64'
}

export interface DiscoveryAnswer {
  contentType: string
  body: unknown
}

/** client-go asks for the aggregated form first and reads it only under this exact media type. */
function aggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined
  for (const part of accept.split(',')) {
    if (!part.includes('g=apidiscovery.k8s.io') || !part.includes('as=APIGroupDiscoveryList'))
      continue
    if (/;\s*v=v2(;|$)/.test(part)) return 'v2'
    if (/;\s*v=v2beta1(;|$)/.test(part)) return 'v2beta1'
  }
  return undefined
}

function aggregatedContentType(version: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`
}

function aggregatedResource(type: ResourceType) {
  const responseKind = { group: type.group, version: type.version, kind: type.kind }
  return {
    resource: type.plural,
    responseKind,
    scope: type.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: type.singular,
    verbs: verbsOf(type),
    ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length > 0 ? { categories: type.categories } : {}),
    ...(type.subresources.length > 0
      ? {
          subresources: type.subresources.map(sub => ({
            subresource: sub,
            responseKind:
              sub === 'scale'
                ? { group: 'autoscaling', version: 'v1', kind: 'Scale' }
                : responseKind,
            verbs: ['get', 'patch', 'update']
          }))
        }
      : {})
  }
}

function groupsOf(catalog: Catalog, core: boolean) {
  const byGroup = new Map<string, Map<string, ResourceType[]>>()
  for (const type of catalog.all()) {
    if ((type.group === '') !== core) continue
    const versions = byGroup.get(type.group) ?? new Map<string, ResourceType[]>()
    versions.set(type.version, [...(versions.get(type.version) ?? []), type])
    byGroup.set(type.group, versions)
  }
  return byGroup
}

/** `GET /api` and `GET /apis`, in the form the client asked for. */
export function discoveryRoot(
  catalog: Catalog,
  core: boolean,
  accept: string | undefined
): DiscoveryAnswer {
  const groups = groupsOf(catalog, core)
  const aggregated = aggregatedVersion(accept)
  if (aggregated) {
    const items = [...groups].map(([group, versions]) => ({
      metadata: core ? {} : { name: group },
      versions: [...versions].map(([version, types]) => ({
        version,
        resources: types.map(aggregatedResource),
        freshness: 'Current'
      }))
    }))
    return {
      contentType: aggregatedContentType(aggregated),
      body: {
        kind: 'APIGroupDiscoveryList',
        apiVersion: `apidiscovery.k8s.io/${aggregated}`,
        metadata: {},
        items
      }
    }
  }
  const serverAddressByClientCIDRs = [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }]
  if (core) {
    return {
      contentType: 'application/json',
      body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs }
    }
  }
  return {
    contentType: 'application/json',
    body: {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([group, versions]) => {
        const list = [...versions.keys()].map(version => ({
          groupVersion: `${group}/${version}`,
          version
        }))
        return { name: group, versions: list, preferredVersion: list[0] }
      })
    }
  }
}

/** `GET /api/v1` or `GET /apis/G/V`: the legacy per-version resource list. */
export function resourceList(
  catalog: Catalog,
  group: string,
  version: string
): unknown | undefined {
  const types = catalog.all().filter(t => t.group === group && t.version === version)
  if (types.length === 0) return undefined
  const resources = types.flatMap(type => [
    {
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: verbsOf(type),
      ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
      ...(type.categories.length > 0 ? { categories: type.categories } : {})
    },
    ...type.subresources.map(sub => ({
      name: `${type.plural}/${sub}`,
      singularName: '',
      namespaced: type.namespaced,
      kind: sub === 'scale' ? 'Scale' : type.kind,
      ...(sub === 'scale' ? { group: 'autoscaling', version: 'v1' } : {}),
      verbs: ['get', 'patch', 'update']
    }))
  ])
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources
  }
}
