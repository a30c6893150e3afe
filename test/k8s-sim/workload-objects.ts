import { createHash } from 'node:crypto'
import type { JsonMap, KubeObject, OwnerReference } from './types.js'
import { clone, isJsonMap } from './types.js'

/**
 * The objects and status the simulated controllers write, as the real ones shape them:
 * ReplicaSets named by \`pod-template-hash\`, Pods, conditions, and the rollout arithmetic.
 */

export const REVISION = 'deployment.kubernetes.io/revision'
export const HASH_LABEL = 'pod-template-hash'
const SAFE = 'bcdfghjklmnpqrstvwxz2456789'

export function num(value: unknown): number {
  return typeof value === 'number' ? value : 0
}

export function omitZero(status: Record<string, number>): JsonMap {
  return Object.fromEntries(Object.entries(status).filter(([, v]) => v !== 0))
}

export function timestamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z')
}

export function withoutVersion(object: KubeObject): KubeObject {
  const copy = clone(object)
  delete copy.metadata.resourceVersion
  return copy
}

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find(ref => ref.controller === true)
}

export function revisionOf(rs: KubeObject): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? '0') || 0
}

export function conditionOf(status: JsonMap, type: string): JsonMap | undefined {
  const conditions = Array.isArray(status.conditions) ? status.conditions : []
  return conditions.find((c): c is JsonMap => isJsonMap(c) && c.type === type)
}

/** A condition keeps its lastTransitionTime while its status stays the same, as controllers do. */
export function condition(
  previous: JsonMap,
  type: string,
  next: { status: string; reason: string; message: string }
): JsonMap {
  const old = conditionOf(previous, type)
  const at = timestamp()
  const same =
    old && old.status === next.status && old.reason === next.reason && old.message === next.message
  return {
    type,
    ...next,
    lastUpdateTime: same ? old.lastUpdateTime : at,
    lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : at
  }
}

function resolveIntOrPercent(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && value.endsWith('%')) {
    const exact = (Number(value.slice(0, -1)) * total) / 100
    return roundUp ? Math.ceil(exact) : Math.floor(exact)
  }
  return Number(value ?? 0) || 0
}

export function maxUnavailable(spec: JsonMap, replicas: number): number {
  const strategy = isJsonMap(spec.strategy) ? spec.strategy : {}
  if (strategy.type === 'Recreate' || replicas === 0) return 0
  const rolling = isJsonMap(strategy.rollingUpdate) ? strategy.rollingUpdate : {}
  const unavailable = resolveIntOrPercent(rolling.maxUnavailable ?? '25%', replicas, false)
  const surge = resolveIntOrPercent(rolling.maxSurge ?? '25%', replicas, true)
  return unavailable === 0 && surge === 0 ? 1 : Math.min(unavailable, replicas)
}

function stripHash(template: unknown): string {
  const copy = clone(isJsonMap(template) ? template : {})
  const meta = isJsonMap(copy.metadata) ? copy.metadata : {}
  if (isJsonMap(meta.labels)) {
    delete meta.labels[HASH_LABEL]
    if (Object.keys(meta.labels).length === 0) delete meta.labels
  }
  return stableJson(copy)
}

export function sameTemplate(a: unknown, b: unknown): boolean {
  return stripHash(a) === stripHash(b)
}

function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : isJsonMap(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map(k => [k, sort(v[k])])
          )
        : v
  return JSON.stringify(sort(value))
}

/** Like the controller's: a hash of the template, spelt with the consonant-and-digit alphabet. */
export function podTemplateHash(template: unknown): string {
  const digest = createHash('sha256').update(stripHash(template)).digest()
  const decimal = String(digest.readUInt32BE(0))
  return [...decimal].map(ch => SAFE[ch.charCodeAt(0) % SAFE.length]).join('')
}

export function newReplicaSet(
  deployment: KubeObject,
  template: JsonMap,
  hash: string,
  replicas: number,
  revision: number
): KubeObject {
  const spec = (deployment.spec ?? {}) as JsonMap
  const rsTemplate = clone(template)
  const meta = (isJsonMap(rsTemplate.metadata) ? rsTemplate.metadata : {}) as JsonMap
  meta.labels = { ...(isJsonMap(meta.labels) ? meta.labels : {}), [HASH_LABEL]: hash }
  rsTemplate.metadata = meta
  const selector = clone(isJsonMap(spec.selector) ? spec.selector : {})
  selector.matchLabels = {
    ...(isJsonMap(selector.matchLabels) ? selector.matchLabels : {}),
    [HASH_LABEL]: hash
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${deployment.metadata.name ?? ''}-${hash}`,
      namespace: deployment.metadata.namespace,
      labels: meta.labels as Record<string, string>,
      annotations: {
        [REVISION]: String(revision),
        'deployment.kubernetes.io/desired-replicas': String(replicas),
        'deployment.kubernetes.io/max-replicas': String(replicas + 1)
      },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: deployment.metadata.name ?? '',
          uid: deployment.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true
        }
      ]
    },
    spec: { replicas, selector, template: rsTemplate }
  }
}

export function newPod(rs: KubeObject): KubeObject {
  const template = ((rs.spec as JsonMap | undefined)?.template ?? {}) as JsonMap
  const meta = (isJsonMap(template.metadata) ? template.metadata : {}) as JsonMap
  const suffix = [...createHash('sha256').update(`${Math.random()}`).digest()]
    .slice(0, 5)
    .map(b => SAFE[b % SAFE.length])
    .join('')
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${rs.metadata.name ?? ''}-${suffix}`,
      namespace: rs.metadata.namespace,
      labels: clone((meta.labels ?? {}) as Record<string, string>),
      ...(isJsonMap(meta.annotations)
        ? { annotations: clone(meta.annotations as Record<string, string>) }
        : {}),
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: rs.metadata.name ?? '',
          uid: rs.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true
        }
      ]
    },
    spec: { ...clone((template.spec ?? {}) as JsonMap), nodeName: 'k8s-sim-node' }
  }
}

export function imagesOf(pod: KubeObject): string[] {
  const containers = (pod.spec as JsonMap | undefined)?.containers
  return Array.isArray(containers)
    ? containers.flatMap(c => (isJsonMap(c) && typeof c.image === 'string' ? [c.image] : []))
    : []
}

export function isReady(pod: KubeObject): boolean {
  const status = (pod.status ?? {}) as JsonMap
  return conditionOf(status, 'Ready')?.status === 'True'
}

export interface ContainerState {
  image: string
  running?: boolean
  waiting?: { reason: string; message?: string }
  terminated?: { exitCode: number; reason: string }
  restarts?: number
}

export function podStatus(
  pod: KubeObject,
  phase: string,
  ready: boolean,
  containers: ContainerState[]
): JsonMap {
  const at = timestamp()
  const previous = (pod.status ?? {}) as JsonMap
  const names = ((pod.spec as JsonMap | undefined)?.containers ?? []) as JsonMap[]
  const cond = (type: string, ok: boolean) =>
    condition(previous, type, {
      status: ok ? 'True' : 'False',
      reason: ok ? '' : 'ContainersNotReady',
      message: ''
    })
  const podIp = `10.244.0.${(Math.abs(hashCode(pod.metadata.name ?? '')) % 250) + 2}`
  return {
    phase,
    conditions: [
      cond('PodScheduled', true),
      cond('Initialized', true),
      cond('ContainersReady', ready),
      cond('Ready', ready)
    ].map(({ lastUpdateTime: _u, ...c }) => ({ ...c, lastProbeTime: null })),
    hostIP: '127.0.0.1',
    podIP: podIp,
    podIPs: [{ ip: podIp }],
    startTime: typeof previous.startTime === 'string' ? previous.startTime : at,
    qosClass: 'BestEffort',
    containerStatuses: containers.map((c, i) => ({
      name: String(names[i]?.name ?? `container-${i}`),
      image: c.image,
      imageID: '',
      ready: c.running === true,
      started: c.running === true,
      restartCount: c.restarts ?? 0,
      state: c.running
        ? { running: { startedAt: at } }
        : c.terminated
          ? { terminated: { ...c.terminated, startedAt: at, finishedAt: at } }
          : { waiting: c.waiting ?? { reason: 'ContainerCreating' } }
    }))
  }
}

function hashCode(text: string): number {
  let h = 0
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) | 0
  return h
}
