import { badRequest } from './api-error.js'
import type { KubeObject } from './types.js'
import { isJsonMap } from './types.js'

type Requirement =
  { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | '!exists' }

/** A label selector in its query-string form (`app=web,tier in (a,b),!canary`). */
export function parseLabelSelector(
  text: string
): (labels: Record<string, string> | undefined) => boolean {
  const requirements = splitOutsideParens(text).map(parseRequirement)
  return labels =>
    requirements.every(r => {
      const value = labels?.[r.key]
      switch (r.op) {
        case 'exists':
          return value !== undefined
        case '!exists':
          return value === undefined
        case 'in':
          return value !== undefined && r.values.includes(value)
        case 'notin':
          return value === undefined || !r.values.includes(value)
      }
    })
}

function splitOutsideParens(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const ch of text) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else current += ch
  }
  parts.push(current)
  return parts.map(p => p.trim()).filter(p => p !== '')
}

function parseRequirement(text: string): Requirement {
  const setMatch = /^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$/.exec(text)
  if (setMatch) {
    const values = (setMatch[3] ?? '')
      .split(',')
      .map(v => v.trim())
      .filter(v => v !== '')
    return { key: setMatch[1] ?? '', op: setMatch[2] as 'in' | 'notin', values }
  }
  const eqMatch = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(text)
  if (eqMatch) {
    const op = eqMatch[2] === '!=' ? 'notin' : 'in'
    return { key: eqMatch[1] ?? '', op, values: [eqMatch[3] ?? ''] }
  }
  if (/^![^\s!=]+$/.test(text)) return { key: text.slice(1), op: '!exists' }
  if (/^[^\s!=(),]+$/.test(text)) return { key: text, op: 'exists' }
  throw badRequest(`unable to parse requirement: ${text}`)
}

/** A field selector (`metadata.name=web,status.phase!=Running`): any dotted path, compared as text. */
export function parseFieldSelector(text: string): (object: KubeObject) => boolean {
  const terms = text
    .split(',')
    .map(t => t.trim())
    .filter(t => t !== '')
    .map(term => {
      const match = /^([^!=]+)(==|=|!=)(.*)$/.exec(term)
      if (!match) throw badRequest(`invalid field selector: ${term}`)
      return { path: (match[1] ?? '').split('.'), negate: match[2] === '!=', value: match[3] ?? '' }
    })
  return object =>
    terms.every(term => {
      let current: unknown = object
      for (const part of term.path) current = isJsonMap(current) ? current[part] : undefined
      const text = current === undefined || current === null ? '' : String(current)
      return term.negate ? text !== term.value : text === term.value
    })
}

/** Whether labels satisfy a `LabelSelector` object (matchLabels and matchExpressions). */
export function matchesSelectorObject(
  selector: unknown,
  labels: Record<string, string> | undefined
): boolean {
  if (!isJsonMap(selector)) return false
  const matchLabels = isJsonMap(selector.matchLabels) ? selector.matchLabels : {}
  for (const [key, value] of Object.entries(matchLabels)) if (labels?.[key] !== value) return false
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []
  for (const expression of expressions) {
    if (!isJsonMap(expression)) continue
    const key = String(expression.key)
    const values = Array.isArray(expression.values) ? expression.values.map(String) : []
    const value = labels?.[key]
    const ok =
      expression.operator === 'In'
        ? value !== undefined && values.includes(value)
        : expression.operator === 'NotIn'
          ? value === undefined || !values.includes(value)
          : expression.operator === 'Exists'
            ? value !== undefined
            : value === undefined
    if (!ok) return false
  }
  return Object.keys(matchLabels).length > 0 || expressions.length > 0
}

/** The query-string form of a selector object, as `kubectl` and Helm send it. */
export function selectorToQuery(selector: unknown): string {
  if (!isJsonMap(selector) || !isJsonMap(selector.matchLabels)) return ''
  return Object.entries(selector.matchLabels)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',')
}
