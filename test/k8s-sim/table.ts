import type { ResourceType } from './catalog.js'
import type { JsonMap, KubeObject } from './types.js'
import { isJsonMap } from './types.js'

/**
 * Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), which `kubectl
 * get` and Helm 4's `status` ask for: the columns `kubectl get` shows on a cluster for the kinds
 * the simulator runs, NAME and AGE for the rest.
 */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',')[0]?.includes('as=Table') === true
}

interface Column {
  name: string
  type: string
  format?: string
  cell: (o: KubeObject) => string | number
}

const name: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  cell: o => o.metadata.name ?? ''
}
const age: Column = { name: 'Age', type: 'string', cell: o => ageOf(o.metadata.creationTimestamp) }

function spec(o: KubeObject): JsonMap {
  return isJsonMap(o.spec) ? o.spec : {}
}
function status(o: KubeObject): JsonMap {
  return isJsonMap(o.status) ? o.status : {}
}
function n(value: unknown): number {
  return typeof value === 'number' ? value : 0
}

const COLUMNS: Record<string, Column[]> = {
  Deployment: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: o => `${n(status(o).readyReplicas)}/${n(spec(o).replicas)}`
    },
    { name: 'Up-to-date', type: 'integer', cell: o => n(status(o).updatedReplicas) },
    { name: 'Available', type: 'integer', cell: o => n(status(o).availableReplicas) },
    age
  ],
  ReplicaSet: [
    name,
    { name: 'Desired', type: 'integer', cell: o => n(spec(o).replicas) },
    { name: 'Current', type: 'integer', cell: o => n(status(o).replicas) },
    { name: 'Ready', type: 'integer', cell: o => n(status(o).readyReplicas) },
    age
  ],
  Pod: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: o => {
        const statuses = Array.isArray(status(o).containerStatuses)
          ? (status(o).containerStatuses as JsonMap[])
          : []
        const containers = Array.isArray(spec(o).containers)
          ? (spec(o).containers as unknown[])
          : []
        return `${statuses.filter(s => s.ready === true).length}/${containers.length}`
      }
    },
    { name: 'Status', type: 'string', cell: podStatusText },
    {
      name: 'Restarts',
      type: 'string',
      cell: o => {
        const statuses = Array.isArray(status(o).containerStatuses)
          ? (status(o).containerStatuses as JsonMap[])
          : []
        return String(statuses.reduce((sum, s) => sum + n(s.restartCount), 0))
      }
    },
    age
  ],
  Service: [
    name,
    { name: 'Type', type: 'string', cell: o => String(spec(o).type ?? 'ClusterIP') },
    { name: 'Cluster-IP', type: 'string', cell: o => String(spec(o).clusterIP ?? '<none>') },
    {
      name: 'External-IP',
      type: 'string',
      cell: o => {
        const lb = isJsonMap(status(o).loadBalancer) ? (status(o).loadBalancer as JsonMap) : {}
        const ingress = Array.isArray(lb.ingress) ? (lb.ingress as JsonMap[]) : []
        return (
          ingress.map(i => String(i.ip ?? i.hostname)).join(',') ||
          (spec(o).type === 'LoadBalancer' ? '<pending>' : '<none>')
        )
      }
    },
    {
      name: 'Port(s)',
      type: 'string',
      cell: o => {
        const ports = Array.isArray(spec(o).ports) ? (spec(o).ports as JsonMap[]) : []
        return (
          ports
            .map(
              p =>
                `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ''}/${String(p.protocol ?? 'TCP')}`
            )
            .join(',') || '<none>'
        )
      }
    },
    age
  ],
  Job: [
    name,
    {
      name: 'Status',
      type: 'string',
      cell: o => {
        const conditions = Array.isArray(status(o).conditions)
          ? (status(o).conditions as JsonMap[])
          : []
        if (conditions.some(c => c.type === 'Complete' && c.status === 'True')) return 'Complete'
        if (conditions.some(c => c.type === 'Failed' && c.status === 'True')) return 'Failed'
        return 'Running'
      }
    },
    {
      name: 'Completions',
      type: 'string',
      cell: o => `${n(status(o).succeeded)}/${n(spec(o).completions) || 1}`
    },
    age
  ],
  Secret: [
    name,
    { name: 'Type', type: 'string', cell: o => String(o.type ?? 'Opaque') },
    {
      name: 'Data',
      type: 'integer',
      cell: o => Object.keys(isJsonMap(o.data) ? o.data : {}).length
    },
    age
  ],
  ConfigMap: [
    name,
    {
      name: 'Data',
      type: 'integer',
      cell: o => Object.keys(isJsonMap(o.data) ? o.data : {}).length
    },
    age
  ],
  Namespace: [
    name,
    { name: 'Status', type: 'string', cell: o => String(status(o).phase ?? 'Active') },
    age
  ]
}

function podStatusText(o: KubeObject): string {
  const statuses = Array.isArray(status(o).containerStatuses)
    ? (status(o).containerStatuses as JsonMap[])
    : []
  for (const s of statuses) {
    const state = isJsonMap(s.state) ? s.state : {}
    if (isJsonMap(state.waiting) && state.waiting.reason) return String(state.waiting.reason)
  }
  return String(status(o).phase ?? 'Pending')
}

function ageOf(timestamp: string | undefined): string {
  if (!timestamp) return '<unknown>'
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(timestamp)) / 1000))
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m${seconds % 60 ? `${seconds % 60}s` : ''}`
  const hours = Math.floor(minutes / 60)
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`
}

export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  resourceVersion: string,
  includeObject: string | null,
  withColumns = true
): unknown {
  const columns = COLUMNS[type.kind] ?? [name, age]
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    // In a watch only the first event carries the column definitions, as on a cluster.
    columnDefinitions: (withColumns ? columns : []).map(c => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.name,
      priority: 0
    })),
    rows: objects.map(o => ({
      cells: columns.map(c => c.cell(o)),
      object:
        includeObject === 'Object'
          ? o
          : includeObject === 'None'
            ? null
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }
    }))
  }
}
