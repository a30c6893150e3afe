import type { ResourceType } from './catalog.js'
import { storageKey } from './catalog.js'
import type { KubeObject } from './types.js'
import { clone } from './types.js'

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface StoreEvent {
  type: WatchEventType
  key: string
  resourceVersion: number
  object: KubeObject
  /** The object before a change, so watches with selectors can tell entering from leaving. */
  previous?: KubeObject
}

/** How many past events a watch can resume from before it gets 410 Gone, like etcd compaction. */
export const DEFAULT_EVENT_HISTORY = 10000

/**
 * Every object, by resource and namespace/name, under one global resourceVersion counter, with
 * the event history watches resume from. It knows nothing of API semantics: the handlers do.
 */
export class ObjectStore {
  private objects = new Map<string, Map<string, KubeObject>>()
  private history: StoreEvent[] = []
  private listeners = new Set<(event: StoreEvent) => void>()
  private revision = 1

  constructor(private readonly historySize = DEFAULT_EVENT_HISTORY) {}

  get resourceVersion(): number {
    return this.revision
  }

  /** The oldest resourceVersion a watch may resume from. */
  get oldestResumable(): number {
    return this.history[0] ? this.history[0].resourceVersion - 1 : this.revision
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.objects.get(storageKey(type))?.get(slot(namespace, name))
    return found ? clone(found) : undefined
  }

  list(type: ResourceType, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(storageKey(type))?.values() ?? [])]
    return all
      .filter(o => namespace === undefined || o.metadata.namespace === namespace)
      .sort((a, b) =>
        slot(a.metadata.namespace, a.metadata.name ?? '').localeCompare(
          slot(b.metadata.namespace, b.metadata.name ?? '')
        )
      )
      .map(clone)
  }

  /** Stores a new or changed object, stamping its resourceVersion, and tells the watchers. */
  put(type: ResourceType, object: KubeObject): KubeObject {
    const bucket = this.bucket(type)
    const id = slot(object.metadata.namespace, object.metadata.name ?? '')
    const previous = bucket.get(id)
    this.revision++
    const stored = clone(object)
    stored.metadata.resourceVersion = String(this.revision)
    bucket.set(id, stored)
    this.emit({
      type: previous ? 'MODIFIED' : 'ADDED',
      key: storageKey(type),
      resourceVersion: this.revision,
      object: stored,
      ...(previous ? { previous } : {})
    })
    return clone(stored)
  }

  remove(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const bucket = this.bucket(type)
    const id = slot(namespace, name)
    const previous = bucket.get(id)
    if (!previous) return undefined
    bucket.delete(id)
    this.revision++
    const gone = clone(previous)
    gone.metadata.resourceVersion = String(this.revision)
    this.emit({
      type: 'DELETED',
      key: storageKey(type),
      resourceVersion: this.revision,
      object: gone,
      previous
    })
    return clone(gone)
  }

  /** Events after a resourceVersion, or undefined when they are no longer kept. */
  eventsSince(resourceVersion: number): StoreEvent[] | undefined {
    if (resourceVersion < this.oldestResumable) return undefined
    return this.history.filter(e => e.resourceVersion > resourceVersion)
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  allObjects(): Array<{ key: string; object: KubeObject }> {
    return [...this.objects.entries()].flatMap(([key, bucket]) =>
      [...bucket.values()].map(object => ({ key, object: clone(object) }))
    )
  }

  private bucket(type: ResourceType): Map<string, KubeObject> {
    const key = storageKey(type)
    let bucket = this.objects.get(key)
    if (!bucket) {
      bucket = new Map()
      this.objects.set(key, bucket)
    }
    return bucket
  }

  private emit(event: StoreEvent): void {
    this.history.push(event)
    if (this.history.length > this.historySize)
      this.history.splice(0, this.history.length - this.historySize)
    for (const listener of [...this.listeners]) listener(event)
  }
}

function slot(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`
}
