// The loopback HTTP server: faults, authentication, routing by GitHub's OpenAPI description,
// request validation, the handlers, and validation of every answer the handlers give.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleAdmin, handleDownload } from './admin.js'
import { Faults } from './faults.js'
import { GitHubError, ok, type HandlerContext, type SimResponse } from './http.js'
import {
  githubDescription,
  type OpenApiDescription,
  type Operation,
  type RouteMatch
} from './openapi.js'
import { Urls } from './present.js'
import { handlers } from './routes/index.js'
import { SimulatorState, type CommitSpec, type RequestRecord, type Violation } from './state.js'

export interface GitHubSimulatorOptions {
  /** Treat every 40-hex SHA as an existing commit (default: only registered commits exist). */
  acceptAnySha?: boolean
  /** Commits that exist from the start (more with `state.addCommits`). */
  commits?: Array<string | CommitSpec>
  /** Tokens GitHub would accept; others get 401 "Bad credentials". Default: any token. */
  tokens?: string[]
  /** The login each token authenticates as; default `github-actions[bot]`, like GITHUB_TOKEN. */
  users?: Record<string, string>
}

export interface GitHubSimulator {
  /** Base URL for GITHUB_API_URL, e.g. `http://127.0.0.1:41234`. */
  url: string
  port: number
  state: SimulatorState
  faults: Faults
  /** Environment for an action under test: it reaches the simulator through this only. */
  env: { GITHUB_API_URL: string }
  /** Throws when any request or response broke GitHub's description, listing each problem. */
  assertNoViolations(): void
  stop(): Promise<void>
}

const UPLOADS_PREFIX = '/uploads'

export async function startGitHubSimulator(
  options: GitHubSimulatorOptions = {}
): Promise<GitHubSimulator> {
  const description = githubDescription()
  const state = new SimulatorState(options.acceptAnySha ?? false)
  state.addCommits(options.commits ?? [])
  const faults = new Faults()
  let baseUrl = ''

  const server = createServer((request, response) => {
    serve({ request, response, description, state, faults, options, baseUrl }).catch(
      (error: unknown) => {
        // Reading the request or writing the answer failed: the socket is gone, nothing to answer.
        state.violations.push({
          kind: 'response',
          method: request.method ?? '',
          path: request.url ?? '',
          operationId: undefined,
          problems: [`simulator failure: ${error instanceof Error ? error.stack : String(error)}`]
        })
        response.destroy()
      }
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  baseUrl = `http://127.0.0.1:${port}`

  return {
    url: baseUrl,
    port,
    state,
    faults,
    env: { GITHUB_API_URL: baseUrl },
    assertNoViolations: () => assertNoViolations(state.violations),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close(error => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
  }
}

function assertNoViolations(violations: Violation[]): void {
  if (violations.length === 0) return
  const lines = violations.map(
    v =>
      `- [${v.kind}] ${v.method} ${v.path} (${v.operationId ?? 'no operation'}): ${v.problems.join('; ')}`
  )
  throw new Error(
    `The GitHub simulator saw ${violations.length} violation(s) of GitHub's OpenAPI description:\n${lines.join('\n')}`
  )
}

interface Exchange {
  request: IncomingMessage
  response: ServerResponse
  description: OpenApiDescription
  state: SimulatorState
  faults: Faults
  options: GitHubSimulatorOptions
  baseUrl: string
}

async function serve(exchange: Exchange): Promise<void> {
  const { request, response, state, faults, baseUrl } = exchange
  const method = (request.method ?? 'GET').toUpperCase()
  const url = new URL(request.url ?? '/', baseUrl)
  const body = await readBody(request)
  if (url.pathname.startsWith('/_sim/'))
    return send(response, handleAdmin(method, url, body, state, faults))
  if (url.pathname.startsWith('/_files/')) return send(response, handleDownload(url, state))

  const requestId = randomUUID().toUpperCase().slice(0, 23)
  const token = bearer(request.headers.authorization)
  const record: RequestRecord = {
    method,
    path: url.pathname,
    operationId: undefined,
    status: 0,
    token,
    receivedAt: Date.now()
  }
  state.requests.push(record)

  const fault = faults.take(method, url.pathname, requestId)
  if (fault.delayMs > 0) await new Promise(resolve => setTimeout(resolve, fault.delayMs))
  if (fault.response && !fault.afterHandler) {
    record.status = fault.response.status
    record.fault = fault.name
    return send(response, fault.response, requestId)
  }

  const answer = await answerApi(exchange, method, url, body, token, record)
  if (fault.response) {
    // The change is made, the answer lost: what a client must survive without doing it twice.
    record.status = fault.response.status
    record.fault = fault.name
    return send(response, fault.response, requestId)
  }
  record.status = answer.status
  return send(response, answer, requestId)
}

async function answerApi(
  exchange: Exchange,
  method: string,
  url: URL,
  body: Buffer,
  token: string | undefined,
  record: RequestRecord
): Promise<SimResponse> {
  const { description, state, options, request } = exchange
  const violation = (
    kind: Violation['kind'],
    operationId: string | undefined,
    problems: string[]
  ): void => {
    state.violations.push({ kind, method, path: url.pathname + url.search, operationId, problems })
  }
  if (!request.headers['user-agent']) {
    return error(
      new GitHubError(
        403,
        'Request forbidden by administrative rules. Please make sure your request has a User-Agent header'
      )
    )
  }
  if (token === undefined) return error(new GitHubError(401, 'Requires authentication'))
  if (options.tokens && !options.tokens.includes(token))
    return error(new GitHubError(401, 'Bad credentials'))

  // GraphQL is outside the REST description; the simulator answers the one query the suite
  // asks (who the token is) and refuses any other loudly.
  if (method === 'POST' && url.pathname === '/graphql') return answerGraphql(body, token, options)

  const isUpload = url.pathname.startsWith(`${UPLOADS_PREFIX}/`)
  const apiPath = isUpload ? url.pathname.slice(UPLOADS_PREFIX.length) : url.pathname
  const match = description.match(method, apiPath)
  // Uploads live on their own host at GitHub: only the asset upload is served there.
  if (!match) {
    violation('request', undefined, [
      `${method} ${apiPath} is not an operation of GitHub's REST API description`
    ])
    return error(new GitHubError(404, 'Not Found'))
  }
  if (isUpload !== (match.operation.operationId === 'repos/upload-release-asset')) {
    violation('request', match.operation.operationId, [
      isUpload
        ? `${method} ${apiPath} is not served on the uploads host`
        : `${match.operation.operationId} is served on the uploads host: use the release's upload_url`
    ])
    return error(new GitHubError(404, 'Not Found'))
  }
  const { operation } = match
  record.operationId = operation.operationId
  const handler = handlers[operation.operationId]
  if (!handler) {
    violation('unsimulated', operation.operationId, [
      `the simulator does not model ${operation.operationId} (${operation.method} ${operation.template})`
    ])
    return error(
      new GitHubError(
        404,
        `Not Found: the GitHub simulator does not model ${operation.operationId}`
      )
    )
  }

  const parsed = parseRequest(description, match, url, body, request)
  if (parsed.status !== undefined) {
    violation('request', operation.operationId, parsed.problems)
    return error(new GitHubError(parsed.status, parsed.message))
  }

  const fullName =
    match.params.owner && match.params.repo ? `${match.params.owner}/${match.params.repo}` : ''
  const context: HandlerContext = {
    state,
    urls: new Urls(exchange.baseUrl, url.toString()),
    params: match.params,
    query: url.searchParams,
    body: parsed.body,
    headers: request.headers,
    fullName,
    repository: state.repository(fullName || 'github/no-repository'),
    login: options.users?.[token] ?? 'github-actions[bot]'
  }
  let answer: SimResponse
  try {
    answer = await handler(context)
  } catch (thrown) {
    if (!(thrown instanceof GitHubError)) {
      violation('response', operation.operationId, [
        `handler threw: ${thrown instanceof Error ? thrown.stack : String(thrown)}`
      ])
      return error(new GitHubError(500, 'Server Error'))
    }
    answer = error(thrown)
  }
  const problems = checkAnswer(description, operation, answer)
  if (problems.length > 0) violation('response', operation.operationId, problems)
  return answer
}

function answerGraphql(body: Buffer, token: string, options: GitHubSimulatorOptions): SimResponse {
  const { query } = JSON.parse(body.toString('utf8') || '{}') as { query?: string }
  if (!/^\s*(query\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/.test(query ?? ''))
    return error(
      new GitHubError(400, `the GitHub simulator answers only { viewer { login } }; got ${query}`)
    )
  return ok({ data: { viewer: { login: options.users?.[token] ?? 'github-actions[bot]' } } })
}

/**
 * Where api.github.com itself departs from its description, the simulator answers like
 * api.github.com: a deployment status created without a URL has `"target_url": ""`, though the
 * description requires a URI there; a check run for an unknown head_sha gets 422 "No commit found
 * for SHA", a status the description does not list for checks/create.
 */
const GITHUB_DEVIATIONS: Array<{ operations: string[]; problem: RegExp }> = [
  { operations: ['checks/create'], problem: /^status: 422 is not a documented response/ },
  {
    operations: [
      'repos/create-deployment-status',
      'repos/list-deployment-statuses',
      'repos/get-deployment-status'
    ],
    // GitHub answers "" for a status given no target or environment URL.
    problem:
      /^\d+ response body: (\/\d+)?\/(target_url|environment_url) must match format "uri" \(got ""\)$/
  }
]

function checkAnswer(
  description: OpenApiDescription,
  operation: Operation,
  answer: SimResponse
): string[] {
  if (answer.raw) return []
  const deviations = GITHUB_DEVIATIONS.filter(d => d.operations.includes(operation.operationId))
  return description
    .checkResponse(operation, answer.status, answer.body)
    .map(p => `${p.where}: ${p.message}`)
    .filter(problem => !deviations.some(d => d.problem.test(problem)))
}

type ParsedRequest =
  | { status: undefined; body: unknown }
  | { status: 400 | 404 | 422; message: string; problems: string[] }

/** The request checked against the operation: path and query parameters, then the body. */
function parseRequest(
  description: OpenApiDescription,
  match: RouteMatch,
  url: URL,
  raw: Buffer,
  request: IncomingMessage
): ParsedRequest {
  const { operation, params } = match
  const problems: string[] = []
  let pathMismatch = false
  for (const parameter of operation.parameters) {
    if (parameter.in !== 'path' && parameter.in !== 'query') continue
    const text =
      parameter.in === 'path' ? params[parameter.name] : url.searchParams.get(parameter.name)
    if (text === undefined || text === null) {
      if (parameter.required) problems.push(`"${parameter.name}" wasn't supplied.`)
      continue
    }
    const value = coerce(text, description.parameterType(parameter))
    const found = description.checkParameter(parameter, value).map(p => `${p.where}: ${p.message}`)
    if (found.length > 0 && parameter.in === 'path') pathMismatch = true
    problems.push(...found)
  }
  // A path segment of the wrong type (`/deployments/abc`) matches no route at GitHub: 404.
  if (pathMismatch) return { status: 404, message: 'Not Found', problems }
  if (problems.length > 0) return invalid(problems)

  if (operation.operationId === 'repos/upload-release-asset')
    return { status: undefined, body: raw }
  if (!operation.requestBody) return { status: undefined, body: undefined }
  if (raw.length === 0) {
    return operation.requestBody.required
      ? invalid(['body: a JSON body is required'])
      : { status: undefined, body: undefined }
  }
  const contentType = String(request.headers['content-type'] ?? 'application/json')
  if (!/json/i.test(contentType))
    return invalid([`body: content type ${contentType} is not application/json`])
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch (parseError) {
    return {
      status: 400,
      message: 'Problems parsing JSON',
      problems: [`body: ${(parseError as Error).message}`]
    }
  }
  const bodyProblems = description
    .checkRequestBody(operation, body)
    .map(p => `${p.where}: ${p.message}`)
  return bodyProblems.length > 0 ? invalid(bodyProblems) : { status: undefined, body }
}

const invalid = (problems: string[]): ParsedRequest => ({
  status: 422,
  message: `Invalid request.\n\n${problems.join('\n')}`,
  problems
})

function coerce(text: string, type: string | undefined): unknown {
  if (type === 'integer' || type === 'number')
    return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text
  return text
}

function bearer(header: string | undefined): string | undefined {
  const found = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header ?? '')
  return found?.[1]
}

const error = (e: GitHubError): SimResponse => ({ status: e.status, body: e.toBody() })

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function send(response: ServerResponse, answer: SimResponse, requestId?: string): void {
  const headers: Record<string, string> = {
    // GitHub reports the budget on every answer; the simulator's never runs out on its own.
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-used': '1',
    'x-ratelimit-resource': 'core',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    ...(requestId && { 'x-github-request-id': requestId }),
    ...answer.headers
  }
  if (answer.raw) {
    response.writeHead(answer.status, {
      ...headers,
      'content-type': answer.raw.contentType,
      'content-length': answer.raw.content.length
    })
    response.end(answer.raw.content)
    return
  }
  if (answer.body === undefined) {
    response.writeHead(answer.status, headers)
    response.end()
    return
  }
  const text = JSON.stringify(answer.body)
  response.writeHead(answer.status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text)
  })
  response.end(text)
}
