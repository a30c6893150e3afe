import { ApiError, badRequest } from './api-error.js'
import { listStrategy } from './merge-keys.js'
import type { JsonMap } from './types.js'
import { clone, isJsonMap } from './types.js'

/** RFC 7386 JSON merge patch: maps merge, null deletes, everything else replaces. */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonMap(patch)) return clone(patch)
  const result: JsonMap = isJsonMap(target) ? clone(target) : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = jsonMergePatch(result[key], value)
  }
  return result
}

/** RFC 6902 JSON patch (`kubectl patch --type=json`). */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('a JSON patch must be a list of operations')
  let doc = clone(target)
  for (const op of operations) {
    if (!isJsonMap(op) || typeof op.path !== 'string')
      throw badRequest('invalid JSON patch operation')
    const path = parsePointer(op.path)
    switch (op.op) {
      case 'add':
        doc = setAt(doc, path, clone(op.value), 'add')
        break
      case 'replace':
        getAt(doc, path)
        doc = setAt(doc, path, clone(op.value), 'replace')
        break
      case 'remove':
        doc = removeAt(doc, path)
        break
      case 'copy':
      case 'move': {
        if (typeof op.from !== 'string') throw badRequest(`${String(op.op)} needs "from"`)
        const from = parsePointer(op.from)
        const value = clone(getAt(doc, from))
        if (op.op === 'move') doc = removeAt(doc, from)
        doc = setAt(doc, path, value, 'add')
        break
      }
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op.value)) {
          throw new ApiError(422, 'Invalid', `the JSON patch test at ${op.path} failed`)
        }
        break
      default:
        throw badRequest(`unknown JSON patch operation ${String(op.op)}`)
    }
  }
  return doc
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw badRequest(`invalid JSON pointer ${pointer}`)
  return pointer
    .slice(1)
    .split('/')
    .map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function getAt(doc: unknown, path: string[]): unknown {
  let current = doc
  for (const part of path) {
    if (Array.isArray(current)) current = current[Number(part)]
    else if (isJsonMap(current)) current = current[part]
    else current = undefined
    if (current === undefined)
      throw new ApiError(422, 'Invalid', `the JSON patch path /${path.join('/')} does not exist`)
  }
  return current
}

function setAt(doc: unknown, path: string[], value: unknown, mode: 'add' | 'replace'): unknown {
  if (path.length === 0) return value
  const parent = getAt(doc, path.slice(0, -1))
  const last = path.at(-1) ?? ''
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last)
    if (mode === 'add') parent.splice(index, 0, value)
    else parent[index] = value
  } else if (isJsonMap(parent)) parent[last] = value
  else throw new ApiError(422, 'Invalid', `cannot set /${path.join('/')}`)
  return doc
}

function removeAt(doc: unknown, path: string[]): unknown {
  const parent = getAt(doc, path.slice(0, -1))
  const last = path.at(-1) ?? ''
  getAt(doc, path)
  if (Array.isArray(parent)) parent.splice(Number(last), 1)
  else if (isJsonMap(parent)) delete parent[last]
  return doc
}

const ORDER = '$setElementOrder/'
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/'

/**
 * Strategic merge patch as the API server applies it to built-in kinds: lists with a merge key
 * merge element by element, `$patch`, `$retainKeys`, `$setElementOrder/…` and
 * `$deleteFromPrimitiveList/…` directives are honoured and never stored.
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  return mergeMap(target, patch, [])
}

function mergeMap(target: unknown, patch: unknown, path: string[]): unknown {
  if (!isJsonMap(patch)) return clone(patch)
  if (patch.$patch === 'delete') return undefined
  if (patch.$patch === 'replace') return stripDirectives(patch, path)
  const result: JsonMap = isJsonMap(target) ? clone(target) : {}
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String))
    for (const key of Object.keys(result)) if (!keep.has(key)) delete result[key]
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue
    const childPath = [...path, key]
    if (value === null) delete result[key]
    else if (Array.isArray(value)) result[key] = mergeList(result[key], value, childPath)
    else if (isJsonMap(value)) {
      const merged = mergeMap(result[key], value, childPath)
      if (merged === undefined) delete result[key]
      else result[key] = merged
    } else result[key] = value
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_PRIMITIVE) && Array.isArray(value)) {
      const field = key.slice(DELETE_PRIMITIVE.length)
      const current = result[field]
      if (Array.isArray(current)) {
        const remove = new Set(value.map(v => JSON.stringify(v)))
        result[field] = current.filter(v => !remove.has(JSON.stringify(v)))
      }
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(ORDER) && Array.isArray(value)) {
      const field = key.slice(ORDER.length)
      const current = result[field]
      if (Array.isArray(current))
        result[field] = applyElementOrder(current, value, [...path, field])
    }
  }
  return result
}

function mergeList(target: unknown, patch: unknown[], path: string[]): unknown[] {
  const strategy = listStrategy(path, false)
  if (patch.some(item => isJsonMap(item) && item.$patch === 'replace')) {
    return patch
      .filter(item => !(isJsonMap(item) && item.$patch === 'replace'))
      .map(item => stripDirectives(item, path))
  }
  const current = Array.isArray(target) ? clone(target) : []
  if (strategy.kind === 'atomic') return patch.map(item => stripDirectives(item, path))
  if (strategy.kind === 'set') {
    const seen = new Set(current.map(v => JSON.stringify(v)))
    for (const item of patch) if (!seen.has(JSON.stringify(item))) current.push(clone(item))
    return current
  }
  const key = strategy.key
  for (const item of patch) {
    if (!isJsonMap(item)) continue
    const index = current.findIndex(existing => isJsonMap(existing) && existing[key] === item[key])
    if (item.$patch === 'delete') {
      if (index >= 0) current.splice(index, 1)
      continue
    }
    if (index >= 0) current[index] = mergeMap(current[index], item, path)
    else current.push(mergeMap({}, item, path))
  }
  return current
}

function applyElementOrder(list: unknown[], order: unknown[], path: string[]): unknown[] {
  const strategy = listStrategy(path, false)
  const identity = (item: unknown) =>
    strategy.kind === 'map' && isJsonMap(item)
      ? JSON.stringify(item[strategy.key])
      : JSON.stringify(item)
  const rank = new Map(order.map((item, i) => [identity(item), i]))
  return list
    .map((item, i) => ({ item, i, r: rank.get(identity(item)) ?? order.length + i }))
    .sort((a, b) => a.r - b.r)
    .map(e => e.item)
}

function stripDirectives(value: unknown, path: string[]): unknown {
  if (Array.isArray(value)) return value.map(v => stripDirectives(v, path))
  if (!isJsonMap(value)) return clone(value)
  const result: JsonMap = {}
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('$')) continue
    result[key] = stripDirectives(child, [...path, key])
  }
  return result
}
