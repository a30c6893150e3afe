import { ApiError } from './api-error.js'
import { listStrategy } from './merge-keys.js'
import type { JsonMap, KubeObject } from './types.js'
import { clone, isJsonMap, omit } from './types.js'

/**
 * Server-side apply, simplified but faithful where Helm and kubectl notice: every field is owned
 * by the managers that set it (kept in `metadata.managedFields`, FieldsV1 form); an apply that
 * changes a field another manager owns is a 409 conflict unless forced; fields a manager applied
 * before and no longer applies are removed unless someone else owns them.
 *
 * A field path is a list of FieldsV1 tokens (`f:spec`, `k:{"name":"web"}`, `v:"x"`); the node of
 * a keyed list element is a leaf of its own so an element is owned, and removed, as a whole.
 */

export interface ManagedFieldsEntry {
  manager: string
  operation: 'Apply' | 'Update'
  apiVersion: string
  time: string
  fieldsType: 'FieldsV1'
  fieldsV1: JsonMap
  subresource?: string
}

const SEP = '\n'
const ELEMENT = '.'

/** Every owned leaf of an object with its value (JSON text), keyed by its joined tokens. */
export function fieldLeaves(
  object: KubeObject,
  custom: boolean,
  subresource?: string
): Map<string, string> {
  const leaves = new Map<string, string>()
  const walk = (value: unknown, tokens: string[], names: string[]): void => {
    if (isJsonMap(value)) {
      const entries = Object.entries(value)
      if (entries.length === 0 && tokens.length > 0) leaves.set(tokens.join(SEP), '{}')
      for (const [key, child] of entries) walk(child, [...tokens, `f:${key}`], [...names, key])
      return
    }
    if (Array.isArray(value)) {
      const strategy = listStrategy(names, custom)
      if (
        strategy.kind === 'map' &&
        value.every(v => isJsonMap(v) && v[strategy.key] !== undefined)
      ) {
        for (const element of value as JsonMap[]) {
          const elementTokens = [
            ...tokens,
            `k:${JSON.stringify({ [strategy.key]: element[strategy.key] })}`
          ]
          leaves.set([...elementTokens, ELEMENT].join(SEP), 'element')
          for (const [key, child] of Object.entries(element)) {
            if (key !== strategy.key) walk(child, [...elementTokens, `f:${key}`], [...names, key])
          }
        }
        return
      }
      if (strategy.kind === 'set') {
        for (const item of value)
          leaves.set([...tokens, `v:${JSON.stringify(item)}`].join(SEP), 'item')
        return
      }
    }
    leaves.set(tokens.join(SEP), JSON.stringify(value))
  }
  if (subresource === 'status') {
    walk({ status: object.status ?? {} }, [], [])
    return leaves
  }
  const metadata = object.metadata
  const rest = omit(object, ['metadata', 'status', 'apiVersion', 'kind'])
  const meta: JsonMap = {}
  for (const key of ['labels', 'annotations', 'finalizers', 'ownerReferences']) {
    if (metadata[key] !== undefined) meta[key] = metadata[key]
  }
  walk({ ...(Object.keys(meta).length > 0 ? { metadata: meta } : {}), ...rest }, [], [])
  return leaves
}

function toFieldsV1(paths: Iterable<string>): JsonMap {
  const root: JsonMap = {}
  for (const path of paths) {
    let node = root
    for (const token of path.split(SEP)) {
      if (!isJsonMap(node[token])) node[token] = {}
      node = node[token] as JsonMap
    }
  }
  return root
}

function fromFieldsV1(fields: unknown): Set<string> {
  const paths = new Set<string>()
  const walk = (node: unknown, tokens: string[]) => {
    if (!isJsonMap(node)) return
    const entries = Object.entries(node)
    if (entries.length === 0 && tokens.length > 0) paths.add(tokens.join(SEP))
    for (const [token, child] of entries) walk(child, [...tokens, token])
  }
  walk(fields, [])
  return paths
}

interface Owner {
  entry: ManagedFieldsEntry
  paths: Set<string>
}

function readOwners(object: KubeObject | undefined): Owner[] {
  const entries = (object?.metadata.managedFields ?? []) as ManagedFieldsEntry[]
  return entries.map(entry => ({ entry, paths: fromFieldsV1(entry.fieldsV1) }))
}

function writeOwners(object: KubeObject, owners: Owner[]): void {
  const kept = owners.filter(o => o.paths.size > 0)
  object.metadata.managedFields = kept.map(o => ({ ...o.entry, fieldsV1: toFieldsV1(o.paths) }))
}

function ownerFor(
  owners: Owner[],
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
  subresource?: string
): Owner {
  let owner = owners.find(
    o =>
      o.entry.manager === manager &&
      o.entry.operation === operation &&
      o.entry.subresource === subresource
  )
  if (!owner) {
    owner = {
      entry: {
        manager,
        operation,
        apiVersion,
        time: '',
        fieldsType: 'FieldsV1',
        fieldsV1: {},
        ...(subresource ? { subresource } : {})
      },
      paths: new Set()
    }
    owners.push(owner)
  }
  owner.entry.time = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  owner.entry.apiVersion = apiVersion
  return owner
}

/** After a create, update or non-apply patch: the writer owns what it changed. */
export function recordUpdate(
  before: KubeObject | undefined,
  after: KubeObject,
  manager: string,
  apiVersion: string,
  custom: boolean,
  subresource?: string
): void {
  const owners = readOwners(before)
  const old = before ? fieldLeaves(before, custom, subresource) : new Map<string, string>()
  const now = fieldLeaves(after, custom, subresource)
  const changed = [...now].filter(([path, value]) => old.get(path) !== value).map(([path]) => path)
  const gone = new Set([...old.keys()].filter(path => !now.has(path)))
  if (changed.length > 0) {
    const owner = ownerFor(owners, manager, 'Update', apiVersion, subresource)
    for (const other of owners)
      if (other !== owner) for (const path of changed) other.paths.delete(path)
    for (const path of changed) owner.paths.add(path)
  }
  for (const other of owners) for (const path of gone) other.paths.delete(path)
  writeOwners(after, owners)
}

/**
 * Applies a configuration for a manager (server-side apply). Returns the merged object, with
 * `managedFields` updated; throws the 409 conflict the API server returns when not forced.
 */
export function applyConfiguration(
  live: KubeObject | undefined,
  config: KubeObject,
  manager: string,
  force: boolean,
  custom: boolean,
  apiVersion: string
): KubeObject {
  const owners = readOwners(live)
  const applied = fieldLeaves(config, custom)
  const current = live ? fieldLeaves(live, custom) : new Map<string, string>()
  const conflicts: Array<{ owner: Owner; path: string }> = []
  for (const owner of owners) {
    if (owner.entry.manager === manager) continue
    for (const path of owner.paths) {
      if (applied.has(path) && current.has(path) && current.get(path) !== applied.get(path))
        conflicts.push({ owner, path })
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts)
  for (const { owner, path } of conflicts) owner.paths.delete(path)

  const mine = ownerFor(owners, manager, 'Apply', apiVersion)
  const othersOwn = (path: string) =>
    owners.some(
      o =>
        o !== mine &&
        [...o.paths].some(p => p === path || p.startsWith(path + SEP) || path.startsWith(p + SEP))
    )
  let merged: KubeObject = live ? clone(live) : clone(config)
  for (const path of mine.paths) {
    if (applied.has(path) || othersOwn(path)) continue
    removePath(merged, path.split(SEP))
  }
  if (live) merged = structuredMerge(merged, config, [], custom) as KubeObject
  mine.paths = new Set(applied.keys())
  writeOwners(merged, owners)
  return merged
}

function conflictError(conflicts: Array<{ owner: Owner; path: string }>): ApiError {
  const causes = conflicts.map(({ owner, path }) => ({
    type: 'FieldManagerConflict',
    message: `conflict with "${owner.entry.manager}"${owner.entry.operation === 'Update' ? ` using ${owner.entry.apiVersion}` : ''}`,
    field: humanPath(path)
  }))
  const lines = causes.map(c => `${c.message}: ${c.field}`)
  const message =
    conflicts.length === 1
      ? `Apply failed with 1 conflict: ${lines[0]}`
      : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`
  return new ApiError(409, 'Conflict', message, { causes })
}

function humanPath(path: string): string {
  return path
    .split(SEP)
    .filter(token => token !== ELEMENT)
    .map(token => {
      if (token.startsWith('f:')) return `.${token.slice(2)}`
      if (token.startsWith('k:')) {
        const key = JSON.parse(token.slice(2)) as JsonMap
        return `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`
      }
      return `[=${token.slice(2)}]`
    })
    .join('')
}

function removePath(root: unknown, tokens: string[]): void {
  const [token, ...rest] = tokens
  if (token === undefined) return
  if (token.startsWith('f:') && isJsonMap(root)) {
    const key = token.slice(2)
    if (rest.length === 0) delete root[key]
    else {
      removePath(root[key], rest)
      if (isJsonMap(root[key]) && Object.keys(root[key]).length === 0) delete root[key]
      if (Array.isArray(root[key]) && root[key].length === 0) delete root[key]
    }
  } else if (Array.isArray(root)) {
    const index = token.startsWith('k:')
      ? root.findIndex(item => {
          const key = JSON.parse(token.slice(2)) as JsonMap
          return isJsonMap(item) && Object.entries(key).every(([k, v]) => item[k] === v)
        })
      : root.findIndex(item => `v:${JSON.stringify(item)}` === token)
    if (index < 0) return
    if (rest.length === 0 || rest[0] === ELEMENT) root.splice(index, 1)
    else removePath(root[index], rest)
  }
}

/** Merges an applied configuration into the live object: maps and keyed lists by key. */
function structuredMerge(
  live: unknown,
  config: unknown,
  names: string[],
  custom: boolean
): unknown {
  if (isJsonMap(config)) {
    const result: JsonMap = isJsonMap(live) ? clone(live) : {}
    for (const [key, value] of Object.entries(config))
      result[key] = structuredMerge(result[key], value, [...names, key], custom)
    return result
  }
  if (Array.isArray(config) && Array.isArray(live)) {
    const strategy = listStrategy(names, custom)
    if (strategy.kind === 'set') {
      const result = clone(live)
      for (const item of config)
        if (!result.some(v => JSON.stringify(v) === JSON.stringify(item))) result.push(clone(item))
      return result
    }
    if (strategy.kind === 'map') {
      const result = clone(live)
      for (const item of config) {
        if (!isJsonMap(item)) continue
        const index = result.findIndex(v => isJsonMap(v) && v[strategy.key] === item[strategy.key])
        if (index >= 0) result[index] = structuredMerge(result[index], item, names, custom)
        else result.push(clone(item))
      }
      return result
    }
  }
  return clone(config)
}
