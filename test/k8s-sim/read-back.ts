import type { JsonMap, KubeObject } from './types.js'
import { isJsonMap } from './types.js'

/** Typed reads of the fields tests assert on, from objects kept as untyped JSON. */

export interface ContainerView {
  name: string
  image?: string
  env?: Array<{ name: string; value?: string }>
}

export interface ConditionView {
  type: string
  status: string
  reason?: string
  message?: string
}

function path(object: unknown, ...keys: string[]): unknown {
  let current = object
  for (const key of keys) current = isJsonMap(current) ? current[key] : undefined
  return current
}

/** A Deployment's, ReplicaSet's or Job's pod template containers, or a Pod's containers. */
export function containersOf(object: KubeObject | undefined): ContainerView[] {
  const fromTemplate = path(object, 'spec', 'template', 'spec', 'containers')
  const list = Array.isArray(fromTemplate) ? fromTemplate : path(object, 'spec', 'containers')
  return Array.isArray(list) ? (list.filter(isJsonMap) as unknown as ContainerView[]) : []
}

export function imageOf(object: KubeObject | undefined): string | undefined {
  return containersOf(object)[0]?.image
}

export function statusOf(object: KubeObject | undefined): JsonMap {
  const status = object?.status
  return isJsonMap(status) ? status : {}
}

export function specOf(object: KubeObject | undefined): JsonMap {
  const spec = object?.spec
  return isJsonMap(spec) ? spec : {}
}

export function conditionsOf(object: KubeObject | undefined): ConditionView[] {
  const conditions = statusOf(object).conditions
  return Array.isArray(conditions)
    ? (conditions.filter(isJsonMap) as unknown as ConditionView[])
    : []
}

/** Why the first container of a Pod is waiting (`ImagePullBackOff`, `CrashLoopBackOff`, …). */
export function waitingReason(pod: KubeObject | undefined): string | undefined {
  const statuses = statusOf(pod).containerStatuses
  const first: unknown = Array.isArray(statuses) ? statuses[0] : undefined
  const reason = path(first, 'state', 'waiting', 'reason')
  return typeof reason === 'string' ? reason : undefined
}
