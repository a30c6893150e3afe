// GitHub's published REST description (npm @octokit/openapi) as a router and a set of validators.
// The 13 MB document is read once per process and shared by every simulator; validators are
// compiled on first use of each operation, so starting a simulator costs nothing after the first.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import * as ajvFormats from 'ajv-formats'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

export interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required: boolean
  schema: JsonObject
  pointer: string
}

export interface Operation {
  operationId: string
  method: string
  template: string
  /** JSON pointer of the operation object inside the description. */
  pointer: string
  parameters: Parameter[]
  requestBody?: { required: boolean; contentTypes: string[] }
  responses: Set<string>
}

export interface RouteMatch {
  operation: Operation
  params: Record<string, string>
}

export interface SchemaProblem {
  where: string
  message: string
}

const DOCUMENT_ID = 'github-openapi'
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options']

interface CompiledRoute {
  operation: Operation
  segments: string[]
  /** A trailing `{ref}` may hold slashes (`heads/feature/x`), as GitHub accepts. */
  greedyTail: boolean
}

export class OpenApiDescription {
  private readonly routes = new Map<string, CompiledRoute[]>()
  private readonly validators = new Map<string, ValidateFunction>()
  private readonly ajv: Ajv

  constructor(private readonly document: JsonObject) {
    this.ajv = createAjv()
    this.ajv.addSchema(document as object, DOCUMENT_ID)
    this.indexOperations()
  }

  match(method: string, path: string): RouteMatch | undefined {
    const candidates = this.routes.get(method.toLowerCase()) ?? []
    const segments = path.split('/').slice(1)
    let best: { route: CompiledRoute; params: Record<string, string>; score: number } | undefined
    for (const route of candidates) {
      const matched = matchSegments(route, segments)
      if (matched && (!best || matched.score > best.score)) best = { route, ...matched }
    }
    return best && { operation: best.route.operation, params: best.params }
  }

  operationIds(): Set<string> {
    return new Set(
      [...this.routes.values()].flatMap(routes => routes.map(r => r.operation.operationId))
    )
  }

  /** Problems with a request body, or an empty list. */
  checkRequestBody(operation: Operation, body: unknown): SchemaProblem[] {
    const pointer = `${operation.pointer}/requestBody/content/${escapePointer('application/json')}/schema`
    return this.check(pointer, body, 'body')
  }

  checkParameter(parameter: Parameter, value: unknown): SchemaProblem[] {
    return this.check(
      `${parameter.pointer}/schema`,
      value,
      `${parameter.in} parameter '${parameter.name}'`
    )
  }

  /** Whether the response status is documented and the JSON body fits its schema. */
  checkResponse(operation: Operation, status: number, body: unknown): SchemaProblem[] {
    const key = operation.responses.has(String(status))
      ? String(status)
      : operation.responses.has('default')
        ? 'default'
        : undefined
    if (!key) {
      return [
        {
          where: 'status',
          message: `${status} is not a documented response of ${operation.operationId} (documented: ${[...operation.responses].join(', ')})`
        }
      ]
    }
    const response = this.resolve(`${operation.pointer}/responses/${key}`) as JsonObject
    const content = response.content as JsonObject | undefined
    if (!content || !content['application/json']) return []
    const pointer = `${this.pointerOf(`${operation.pointer}/responses/${key}`)}/content/${escapePointer('application/json')}/schema`
    return this.check(pointer, body, `${status} response body`)
  }

  /** The schema of a parameter, following `$ref`s, for type coercion of query strings. */
  parameterType(parameter: Parameter): string | undefined {
    const schema = this.resolveObject(parameter.schema)
    return typeof schema.type === 'string' ? schema.type : undefined
  }

  private check(pointer: string, value: unknown, where: string): SchemaProblem[] {
    let validate = this.validators.get(pointer)
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` })
      this.validators.set(pointer, validate)
    }
    if (validate(value)) return []
    return (validate.errors ?? []).map(error => ({ where, message: describeError(error) }))
  }

  private indexOperations(): void {
    const paths = this.document.paths as JsonObject
    for (const [template, item] of Object.entries(paths)) {
      const pathItem = item as JsonObject
      const shared = (pathItem.parameters as JsonObject[] | undefined) ?? []
      for (const method of METHODS) {
        const raw = pathItem[method] as JsonObject | undefined
        if (!raw) continue
        const pointer = `/paths/${escapePointer(template)}/${method}`
        const own = (raw.parameters as JsonObject[] | undefined) ?? []
        const parameters = [
          ...shared.map((_, i) =>
            this.parameter(`/paths/${escapePointer(template)}/parameters/${i}`)
          ),
          ...own.map((_, i) => this.parameter(`${pointer}/parameters/${i}`))
        ]
        const body = raw.requestBody
          ? (this.resolveObject(raw.requestBody as JsonObject) as JsonObject)
          : undefined
        const operation: Operation = {
          operationId: String(raw.operationId),
          method: method.toUpperCase(),
          template,
          pointer,
          parameters,
          responses: new Set(Object.keys(raw.responses as JsonObject)),
          ...(body && {
            requestBody: {
              required: body.required === true,
              contentTypes: Object.keys(body.content as JsonObject)
            }
          })
        }
        const segments = template.split('/').slice(1)
        const route = { operation, segments, greedyTail: segments.at(-1) === '{ref}' }
        const list = this.routes.get(method) ?? []
        list.push(route)
        this.routes.set(method, list)
      }
    }
  }

  private parameter(pointer: string): Parameter {
    const target = this.pointerOf(pointer)
    const resolved = this.resolve(target) as JsonObject
    return {
      name: String(resolved.name),
      in: resolved.in as Parameter['in'],
      required: resolved.required === true,
      schema: (resolved.schema as JsonObject | undefined) ?? {},
      pointer: target
    }
  }

  /** The pointer a `$ref` at `pointer` leads to (itself when it is no reference). */
  private pointerOf(pointer: string): string {
    let current = pointer
    for (;;) {
      const node = this.resolve(current) as JsonObject
      if (typeof node?.$ref !== 'string') return current
      current = node.$ref.slice(1)
    }
  }

  private resolveObject(node: JsonObject): JsonObject {
    let current = node
    while (typeof current.$ref === 'string')
      current = this.resolve(current.$ref.slice(1)) as JsonObject
    return current
  }

  private resolve(pointer: string): Json {
    let node: Json = this.document
    for (const part of pointer.split('/').slice(1)) {
      node = (node as JsonObject)[part.replace(/~1/g, '/').replace(/~0/g, '~')] as Json
      if (node === undefined) throw new Error(`The OpenAPI description has nothing at ${pointer}`)
    }
    return node
  }
}

function matchSegments(
  route: CompiledRoute,
  segments: string[]
): { params: Record<string, string>; score: number } | undefined {
  const { segments: pattern, greedyTail } = route
  if (segments.length !== pattern.length && !(greedyTail && segments.length > pattern.length))
    return undefined
  const params: Record<string, string> = {}
  let score = 0
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i] as string
    const isLast = i === pattern.length - 1
    const actual = isLast && greedyTail ? segments.slice(i).join('/') : (segments[i] as string)
    if (expected.startsWith('{') && expected.endsWith('}')) {
      // An empty segment only fits a trailing ref: `matching-refs/` lists every ref.
      if (actual === '' && !(isLast && greedyTail)) return undefined
      params[expected.slice(1, -1)] = safeDecode(actual)
    } else if (expected === actual) {
      // Literal segments outrank variables, so `/releases/latest` beats `/releases/{release_id}`.
      score += 2 ** (pattern.length - i)
    } else {
      return undefined
    }
  }
  return { params, score }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1')
}

function describeError(error: ErrorObject): string {
  const at = error.instancePath || '(root)'
  const extra =
    error.keyword === 'additionalProperties'
      ? ` '${String(error.params.additionalProperty)}'`
      : error.keyword === 'format' || error.keyword === 'type' || error.keyword === 'enum'
        ? ` (got ${JSON.stringify(error.data)?.slice(0, 80)})`
        : ''
  return `${at} ${error.message ?? error.keyword}${extra}`
}

function createAjv(): Ajv {
  // strict: false because the description carries OpenAPI keywords (example, discriminator, x-*)
  // that are not JSON Schema; they are annotations and must not fail compilation.
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateSchema: false,
    logger: false,
    verbose: true
  })
  const plugin = (
    ajvFormats as unknown as { default: ((a: Ajv) => Ajv) & { default?: (a: Ajv) => Ajv } }
  ).default
  const addFormats = plugin.default ?? plugin
  addFormats(ajv)
  // Formats GitHub uses that are not JSON Schema formats: annotations, like on api.github.com.
  for (const name of [
    'repo.nwo',
    'timestamp',
    'uri-template',
    'binary',
    'int32',
    'int64',
    'double'
  ]) {
    if (!ajv.formats[name]) ajv.addFormat(name, true)
  }
  return ajv
}

/** Prose and samples: nothing validates against them, so they are dropped to load faster. */
const ANNOTATIONS = new Set([
  'description',
  'summary',
  'example',
  'examples',
  'externalDocs',
  'x-github'
])
/** Maps keyed by names (a property may well be called `description`): never stripped. */
const NAME_MAPS = new Set([
  'properties',
  'paths',
  'schemas',
  'parameters',
  'responses',
  'headers',
  'content'
])

/**
 * Prepares the description for Ajv, in place: OpenAPI 3.0 `nullable: true` is not JSON Schema,
 * so it becomes a `null` type (and a `null` enum member) where a type is given, or an `anyOf`
 * with `{type: 'null'}` around a `$ref` or composition; annotations are removed.
 */
export function prepareDescription(node: Json, parentKey = ''): Json {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = prepareDescription(node[i] as Json)
    return node
  }
  if (node === null || typeof node !== 'object') return node
  const isNameMap = NAME_MAPS.has(parentKey)
  for (const key of Object.keys(node)) {
    if (!isNameMap && ANNOTATIONS.has(key)) delete node[key]
    else node[key] = prepareDescription(node[key] as Json, isNameMap ? '' : key)
  }
  if (isNameMap || node.nullable !== true) return node
  delete node.nullable
  if (typeof node.type === 'string') {
    node.type = [node.type, 'null']
    if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null)
    return node
  }
  return { anyOf: [node, { type: 'null' }] }
}

let shared: OpenApiDescription | undefined

/** The api.github.com description, loaded and prepared once per process. */
export function githubDescription(): OpenApiDescription {
  if (!shared) {
    const require = createRequire(import.meta.url)
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json')
    shared = new OpenApiDescription(
      prepareDescription(JSON.parse(readFileSync(file, 'utf8')) as Json) as JsonObject
    )
  }
  return shared
}
