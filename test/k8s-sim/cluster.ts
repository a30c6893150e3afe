import { randomBytes, randomUUID } from 'node:crypto'
import { ApiError, alreadyExists, badRequest, conflict, notFound } from './api-error.js'
import type { ResourceType } from './catalog.js'
import { Catalog, apiVersionOf } from './catalog.js'
import { applyDefaults } from './defaults.js'
import { applyConfiguration, recordUpdate } from './field-ownership.js'
import { jsonMergePatch, jsonPatch, strategicMergePatch } from './patch.js'
import { parseFieldSelector, parseLabelSelector } from './selectors.js'
import { ObjectStore } from './store.js'
import type { KubeObject } from './types.js'
import { clone, isJsonMap, omit } from './types.js'

export interface WriteOptions {
  manager: string
  dryRun?: boolean
  subresource?: string
}

export type PatchType = 'strategic' | 'merge' | 'json' | 'apply'

export interface ListOptions {
  labelSelector?: string
  fieldSelector?: string
  limit?: number
  continueToken?: string
}

export interface ObjectList {
  items: KubeObject[]
  resourceVersion: string
  continueToken?: string
  remainingItemCount?: number
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease']

/**
 * The API semantics over the store: names, uids, resourceVersion preconditions, generation,
 * status subresources, defaults, field ownership, the four patch types, and deletion with
 * garbage collection of dependents. The HTTP layer and the controller both write through it.
 */
export class Cluster {
  readonly store: ObjectStore
  readonly catalog = new Catalog()
  private nextClusterIp = 10

  constructor(eventHistory?: number) {
    this.store = new ObjectStore(eventHistory)
    const namespaces = this.type('v1', 'Namespace')
    for (const name of SYSTEM_NAMESPACES) {
      this.create(
        namespaces,
        undefined,
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        { manager: 'k8s-sim' }
      )
    }
  }

  type(apiVersion: string, kind: string): ResourceType {
    const type = this.catalog.byKind(apiVersion, kind)
    if (!type) throw new Error(`the simulator does not serve ${apiVersion} ${kind}`)
    return type
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.store.get(type, scope(type, namespace), name)
    if (!found) throw notFound(type, name)
    return this.present(type, found)
  }

  find(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.store.get(type, scope(type, namespace), name)
    return found ? this.present(type, found) : undefined
  }

  list(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): ObjectList {
    const labels = options.labelSelector ? parseLabelSelector(options.labelSelector) : () => true
    const fields = options.fieldSelector ? parseFieldSelector(options.fieldSelector) : () => true
    const resourceVersion = String(this.store.resourceVersion)
    const all = this.store
      .list(type, scope(type, namespace))
      .filter(o => labels(o.metadata.labels) && fields(o))
      .map(o => this.present(type, o))
    const start = options.continueToken ? decodeContinue(options.continueToken) : 0
    if (!options.limit || options.limit <= 0 || start + options.limit >= all.length) {
      return { items: all.slice(start), resourceVersion }
    }
    const end = start + options.limit
    return {
      items: all.slice(start, end),
      resourceVersion,
      continueToken: Buffer.from(JSON.stringify({ start: end })).toString('base64url'),
      remainingItemCount: all.length - end
    }
  }

  create(
    type: ResourceType,
    namespace: string | undefined,
    body: unknown,
    options: WriteOptions
  ): KubeObject {
    const object = this.prepareCreate(type, namespace, body)
    recordUpdate(undefined, object, options.manager, apiVersionOf(type), type.custom)
    return this.commitCreate(type, object, options)
  }

  replace(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions
  ): KubeObject {
    const existing = this.rawExisting(type, namespace, name)
    const candidate = asObject(body, type)
    checkIdentity(type, candidate, namespace, name)
    if (
      candidate.metadata.resourceVersion &&
      candidate.metadata.resourceVersion !== existing.metadata.resourceVersion
    ) {
      throw conflict(
        type,
        name,
        'the object has been modified; please apply your changes to the latest version and try again'
      )
    }
    return this.commitUpdate(type, existing, candidate, options, 'update')
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
    options: WriteOptions & { force?: boolean }
  ): KubeObject {
    const existing = this.store.get(type, scope(type, namespace), name)
    if (patchType === 'apply') return this.apply(type, namespace, name, existing, body, options)
    if (!existing) throw notFound(type, name)
    if (patchType === 'strategic' && type.custom) {
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml'
      )
    }
    const patched =
      patchType === 'strategic'
        ? strategicMergePatch(existing, body)
        : patchType === 'merge'
          ? jsonMergePatch(existing, body)
          : jsonPatch(existing, body)
    const candidate = asObject(patched, type)
    if (
      candidate.metadata.resourceVersion &&
      candidate.metadata.resourceVersion !== existing.metadata.resourceVersion
    ) {
      throw conflict(
        type,
        name,
        'the object has been modified; please apply your changes to the latest version and try again'
      )
    }
    return this.commitUpdate(type, existing, candidate, options, 'update')
  }

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: {
      propagationPolicy?: string
      dryRun?: boolean
      preconditions?: { uid?: string; resourceVersion?: string }
    } = {}
  ): KubeObject {
    const existing = this.rawExisting(type, namespace, name)
    const pre = options.preconditions
    if (pre?.uid && pre.uid !== existing.metadata.uid) {
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid ?? ''}`
      )
    }
    if (pre?.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion) {
      throw conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion ?? ''}`
      )
    }
    if (options.dryRun) return this.present(type, existing)
    if ((existing.metadata.finalizers ?? []).length > 0) {
      if (existing.metadata.deletionTimestamp) return this.present(type, existing)
      existing.metadata.deletionTimestamp = now()
      return this.present(type, this.store.put(type, existing))
    }
    return this.removeNow(type, existing, options.propagationPolicy ?? 'Background')
  }

  /** The object as a client sees it: this version's apiVersion and kind. */
  present(type: ResourceType, object: KubeObject): KubeObject {
    return { apiVersion: apiVersionOf(type), kind: type.kind, ...object, metadata: object.metadata }
  }

  private apply(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    existing: KubeObject | undefined,
    body: unknown,
    options: WriteOptions & { force?: boolean }
  ): KubeObject {
    const config = asObject(body, type)
    checkIdentity(type, config, namespace, name)
    if (options.subresource !== 'status') delete config.status
    if (!existing) {
      const created = applyConfiguration(
        undefined,
        config,
        options.manager,
        false,
        type.custom,
        apiVersionOf(type)
      )
      const object = this.prepareCreate(type, namespace, {
        ...created,
        metadata: { ...created.metadata, name }
      })
      object.metadata.managedFields = created.metadata.managedFields
      return this.commitCreate(type, object, options)
    }
    const merged = applyConfiguration(
      existing,
      config,
      options.manager,
      options.force === true,
      type.custom,
      apiVersionOf(type)
    )
    return this.commitUpdate(type, existing, merged, options, 'applied')
  }

  private rawExisting(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const existing = this.store.get(type, scope(type, namespace), name)
    if (!existing) throw notFound(type, name)
    return existing
  }

  private prepareCreate(
    type: ResourceType,
    namespace: string | undefined,
    body: unknown
  ): KubeObject {
    const object = asObject(body, type)
    const ns = scope(type, namespace ?? object.metadata.namespace)
    if (type.namespaced) {
      if (namespace && object.metadata.namespace && object.metadata.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request'
        )
      }
      if (!ns) throw badRequest('a namespace is required')
      const namespaces = this.type('v1', 'Namespace')
      const nsObject = this.store.get(namespaces, undefined, ns)
      if (!nsObject) throw notFound(namespaces, ns)
      if (nsObject.metadata.deletionTimestamp) {
        throw new ApiError(
          403,
          'Forbidden',
          `${type.plural} is forbidden: unable to create new content in namespace ${ns} because it is being terminated`
        )
      }
    }
    if (!object.metadata.name && object.metadata.generateName) {
      object.metadata.name =
        object.metadata.generateName + randomBytes(3).toString('hex').slice(0, 5)
    }
    const name = object.metadata.name
    if (!name)
      throw new ApiError(
        422,
        'Invalid',
        `${type.kind} "" is invalid: metadata.name: Required value: name or generateName is required`
      )
    if (this.store.get(type, ns, name)) throw alreadyExists(type, name)
    const meta = object.metadata
    delete meta.resourceVersion
    delete meta.deletionTimestamp
    if (ns) meta.namespace = ns
    else delete meta.namespace
    meta.uid = randomUUID()
    meta.creationTimestamp = now()
    if (type.tracksGeneration) meta.generation = 1
    else delete meta.generation
    if (type.subresources.includes('status')) delete object.status
    initialStatus(object)
    applyDefaults(object, () => this.allocateClusterIp())
    return object
  }

  private commitCreate(type: ResourceType, object: KubeObject, options: WriteOptions): KubeObject {
    if (options.dryRun) return this.present(type, object)
    const stored = this.store.put(type, object)
    if (type.kind === 'CustomResourceDefinition') this.refreshCustomTypes()
    return this.present(type, stored)
  }

  private commitUpdate(
    type: ResourceType,
    existing: KubeObject,
    candidate: KubeObject,
    options: WriteOptions,
    ownership: 'update' | 'applied'
  ): KubeObject {
    const next = clone(candidate)
    const meta = next.metadata
    const old = existing.metadata
    meta.name = old.name
    if (old.namespace) meta.namespace = old.namespace
    meta.uid = old.uid
    meta.creationTimestamp = old.creationTimestamp
    if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp
    meta.resourceVersion = old.resourceVersion
    if (type.subresources.includes('status')) {
      if (options.subresource === 'status') {
        const status = next.status
        const kept = clone(existing)
        kept.status = status
        kept.metadata = { ...kept.metadata, managedFields: meta.managedFields }
        return this.finishUpdate(type, existing, kept, options, ownership)
      }
      if (existing.status === undefined) delete next.status
      else next.status = clone(existing.status)
    }
    if (type.tracksGeneration) {
      meta.generation = old.generation ?? 1
      if (specOf(existing, type) !== specOf(next, type)) meta.generation = (old.generation ?? 0) + 1
    } else delete meta.generation
    applyDefaults(next, () => this.allocateClusterIp())
    if (
      type.kind === 'Service' &&
      isJsonMap(existing.spec) &&
      isJsonMap(next.spec) &&
      existing.spec.clusterIP
    ) {
      next.spec.clusterIP = existing.spec.clusterIP
    }
    return this.finishUpdate(type, existing, next, options, ownership)
  }

  private finishUpdate(
    type: ResourceType,
    existing: KubeObject,
    next: KubeObject,
    options: WriteOptions,
    ownership: 'update' | 'applied'
  ): KubeObject {
    if (ownership === 'update') {
      next.metadata.managedFields = existing.metadata.managedFields
      recordUpdate(
        existing,
        next,
        options.manager,
        apiVersionOf(type),
        type.custom,
        options.subresource
      )
    }
    if (sameContent(existing, next)) return this.present(type, existing)
    if (options.dryRun) return this.present(type, next)
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      return this.removeNow(type, next, 'Background')
    }
    const stored = this.store.put(type, next)
    if (type.kind === 'CustomResourceDefinition') this.refreshCustomTypes()
    return this.present(type, stored)
  }

  private removeNow(type: ResourceType, object: KubeObject, propagation: string): KubeObject {
    const gone = this.store.remove(type, object.metadata.namespace, object.metadata.name ?? '')
    if (!gone) throw notFound(type, object.metadata.name ?? '')
    if (type.kind === 'Namespace') this.emptyNamespace(object.metadata.name ?? '')
    if (type.kind === 'CustomResourceDefinition') this.dropCustomObjects(object)
    this.collectDependents(object.metadata.uid ?? '', propagation)
    return this.present(type, gone)
  }

  /** Garbage collection: dependents of a deleted owner go too, unless the delete orphans them. */
  private collectDependents(ownerUid: string, propagation: string): void {
    for (const { key, object } of this.store.allObjects()) {
      const refs = object.metadata.ownerReferences ?? []
      if (!refs.some(r => r.uid === ownerUid)) continue
      const type = this.catalog.all().find(t => `${t.group}/${t.plural}` === key)
      if (!type) continue
      if (propagation === 'Orphan') {
        object.metadata.ownerReferences = refs.filter(r => r.uid !== ownerUid)
        this.store.put(type, object)
      } else this.removeNow(type, object, propagation)
    }
  }

  private emptyNamespace(namespace: string): void {
    for (const { key, object } of this.store.allObjects()) {
      if (object.metadata.namespace !== namespace) continue
      const type = this.catalog.all().find(t => `${t.group}/${t.plural}` === key)
      if (type && this.store.get(type, namespace, object.metadata.name ?? ''))
        this.removeNow(type, object, 'Background')
    }
  }

  private dropCustomObjects(crd: KubeObject): void {
    const spec = crd.spec
    if (!isJsonMap(spec) || !isJsonMap(spec.names)) return
    const type = this.catalog.byGroupKind(String(spec.group), String(spec.names.kind))
    if (type)
      for (const object of this.store.list(type))
        this.store.remove(type, object.metadata.namespace, object.metadata.name ?? '')
    this.refreshCustomTypes()
  }

  private refreshCustomTypes(): void {
    this.catalog.setCustomResourceDefinitions(
      this.store.list(this.type('apiextensions.k8s.io/v1', 'CustomResourceDefinition'))
    )
  }

  private allocateClusterIp(): string {
    const n = this.nextClusterIp++
    return `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`
  }
}

function scope(type: ResourceType, namespace: string | undefined): string | undefined {
  return type.namespaced ? namespace : undefined
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z')
}

function decodeContinue(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      start?: unknown
    }
    if (typeof parsed.start === 'number') return parsed.start
  } catch {
    // fall through to the error below
  }
  throw badRequest('invalid continue token')
}

function asObject(body: unknown, type: ResourceType): KubeObject {
  if (!isJsonMap(body)) throw badRequest(`the body of a ${type.kind} must be a JSON object`)
  const object = clone(body) as KubeObject
  if (!isJsonMap(object.metadata)) object.metadata = {}
  object.apiVersion = apiVersionOf(type)
  object.kind = type.kind
  return object
}

function checkIdentity(
  type: ResourceType,
  object: KubeObject,
  namespace: string | undefined,
  name: string
): void {
  if (object.metadata.name && object.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`
    )
  }
  object.metadata.name = name
  if (
    type.namespaced &&
    namespace &&
    object.metadata.namespace &&
    object.metadata.namespace !== namespace
  ) {
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request'
    )
  }
}

/** What counts as the spec for generation: everything but metadata and status (custom kinds too). */
function specOf(object: KubeObject, type: ResourceType): string {
  const rest = omit(object, ['metadata', 'status', 'apiVersion', 'kind'])
  return JSON.stringify(type.custom ? rest : (rest.spec ?? rest))
}

function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const copy = clone(o)
    delete copy.metadata.resourceVersion
    copy.metadata.managedFields = (copy.metadata.managedFields ?? []).map(e =>
      isJsonMap(e) ? { ...e, time: '' } : e
    )
    return JSON.stringify(sortKeys(copy))
  }
  return strip(a) === strip(b)
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (!isJsonMap(value)) return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map(k => [k, sortKeys(value[k])])
  )
}

function initialStatus(object: KubeObject): void {
  switch (object.kind) {
    case 'Namespace':
      object.spec = { finalizers: ['kubernetes'] }
      object.status = { phase: 'Active' }
      break
    case 'Service':
      object.status = { loadBalancer: {} }
      break
    case 'PersistentVolumeClaim':
      object.status = { phase: 'Bound' }
      break
    case 'CustomResourceDefinition': {
      const spec = isJsonMap(object.spec) ? object.spec : {}
      const at = now()
      object.status = {
        acceptedNames: spec.names ?? {},
        storedVersions: (Array.isArray(spec.versions) ? spec.versions : [])
          .filter(v => isJsonMap(v) && v.storage === true)
          .map(v => (v as { name: string }).name),
        conditions: [
          {
            type: 'NamesAccepted',
            status: 'True',
            reason: 'NoConflicts',
            message: 'no conflicts found',
            lastTransitionTime: at
          },
          {
            type: 'Established',
            status: 'True',
            reason: 'InitialNamesAccepted',
            message: 'the initial names have been accepted',
            lastTransitionTime: at
          }
        ]
      }
      break
    }
  }
}
