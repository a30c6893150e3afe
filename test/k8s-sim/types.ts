/** A Kubernetes object as JSON: the simulator keeps every kind in this one untyped shape. */
export type KubeObject = {
  apiVersion?: string
  kind?: string
  metadata: ObjectMeta
  [field: string]: unknown
}

export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

export interface ObjectMeta {
  name?: string
  generateName?: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  generation?: number
  creationTimestamp?: string
  deletionTimestamp?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ownerReferences?: OwnerReference[]
  finalizers?: string[]
  managedFields?: unknown[]
  [field: string]: unknown
}

export type JsonMap = Record<string, unknown>

export function isJsonMap(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function clone<T>(value: T): T {
  return structuredClone(value)
}

/** A shallow copy without the given top-level fields. */
export function omit(object: JsonMap | KubeObject, keys: readonly string[]): JsonMap {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)))
}
