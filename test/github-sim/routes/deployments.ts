// Deployments and their statuses, including GitHub's auto_inactive behaviour.
import {
  GitHubError,
  notFound,
  ok,
  paginate,
  requireInteger,
  type Handler,
  type HandlerContext
} from '../http.js'
import { deployment, deploymentStatus } from '../present.js'
import { timestamp, type DeploymentRecord } from '../state.js'

function findDeployment(context: HandlerContext): DeploymentRecord {
  const id = requireInteger(context.params.deployment_id, 'deployments')
  const found = context.repository.deployments.find(d => d.id === id)
  if (!found) throw notFound()
  return found
}

const createDeployment: Handler = context => {
  const body = context.body as {
    ref: string
    task?: string
    auto_merge?: boolean
    required_contexts?: string[]
    payload?: Record<string, unknown> | string
    environment?: string
    description?: string | null
    transient_environment?: boolean
    production_environment?: boolean
  }
  const sha = context.state.resolveCommit(context.fullName, body.ref)
  if (!sha) throw new GitHubError(422, `No ref found for: ${body.ref}`)
  const environment = body.environment ?? 'production'
  const now = timestamp()
  const record: DeploymentRecord = {
    id: context.state.id(),
    sha,
    ref: body.ref,
    task: body.task ?? 'deploy',
    environment,
    originalEnvironment: environment,
    description: body.description === undefined ? '' : body.description,
    // GitHub stores a string payload parsed when it is a JSON object, else as given.
    payload: parsePayload(body.payload),
    transientEnvironment: body.transient_environment ?? false,
    productionEnvironment: body.production_environment ?? environment === 'production',
    autoMerge: body.auto_merge ?? true,
    requiredContexts: body.required_contexts,
    creator: context.login,
    createdAt: now,
    updatedAt: now,
    statuses: []
  }
  context.repository.deployments.push(record)
  return ok(deployment(context.urls, context.repository, record), 201)
}

function parsePayload(
  payload: Record<string, unknown> | string | undefined
): Record<string, unknown> | string {
  if (payload === undefined || payload === '') return {}
  if (typeof payload !== 'string') return payload
  try {
    const parsed: unknown = JSON.parse(payload)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : payload
  } catch {
    return payload
  }
}

const listDeployments: Handler = context => {
  const filters = ['sha', 'ref', 'task', 'environment'] as const
  const matching = context.repository.deployments.filter(d =>
    filters.every(key => {
      const wanted = context.query.get(key)
      return wanted === null || wanted === '' || d[key] === wanted
    })
  )
  // Newest first, as GitHub lists them.
  const newestFirst = [...matching].sort((a, b) => b.id - a.id)
  return paginate(context, newestFirst, d => deployment(context.urls, context.repository, d))
}

const getDeployment: Handler = context =>
  ok(deployment(context.urls, context.repository, findDeployment(context)))

const deleteDeployment: Handler = context => {
  const record = findDeployment(context)
  // GitHub deletes any deployment when it is the repository's only one, else only inactive ones.
  const inactive = record.statuses.at(-1)?.state === 'inactive'
  if (context.repository.deployments.length > 1 && !inactive) {
    throw new GitHubError(
      422,
      'We cannot delete an active deployment unless it is the only deployment in a given environment.'
    )
  }
  context.repository.deployments.splice(context.repository.deployments.indexOf(record), 1)
  return { status: 204 }
}

const createStatus: Handler = context => {
  const record = findDeployment(context)
  const body = context.body as {
    state: string
    target_url?: string
    log_url?: string
    description?: string
    environment?: string
    environment_url?: string
    auto_inactive?: boolean
  }
  // The environment of a status: as given, else the previous status's, else the deployment's.
  const environment = body.environment ?? record.statuses.at(-1)?.environment ?? record.environment
  const now = timestamp()
  const status = {
    id: context.state.id(),
    state: body.state,
    description: body.description ?? '',
    environment,
    // log_url and target_url are one field at GitHub: setting either sets both.
    targetUrl: body.log_url ?? body.target_url ?? '',
    logUrl: body.log_url ?? body.target_url ?? '',
    environmentUrl: body.environment_url ?? '',
    creator: context.login,
    createdAt: now,
    updatedAt: now
  }
  record.statuses.push(status)
  record.environment = environment
  record.updatedAt = now
  if (body.state === 'success' && body.auto_inactive !== false)
    markEarlierInactive(context, record, now)
  return ok(deploymentStatus(context.urls, context.repository, record, status), 201)
}

/**
 * GitHub adds an `inactive` status to earlier deployments of the same repository and
 * environment whose latest state is `success` (the changelog of 2016-04-06; the reference text's
 * "non-production" qualifier does not match what api.github.com does).
 */
function markEarlierInactive(
  context: HandlerContext,
  current: DeploymentRecord,
  now: string
): void {
  for (const other of context.repository.deployments) {
    if (other.id >= current.id || other.environment !== current.environment) continue
    const latest = other.statuses.at(-1)
    if (latest?.state !== 'success') continue
    other.statuses.push({
      ...latest,
      id: context.state.id(),
      state: 'inactive',
      description: '',
      creator: context.login,
      createdAt: now,
      updatedAt: now
    })
    other.updatedAt = now
  }
}

const listStatuses: Handler = context => {
  const record = findDeployment(context)
  const newestFirst = [...record.statuses].reverse()
  return paginate(context, newestFirst, s =>
    deploymentStatus(context.urls, context.repository, record, s)
  )
}

const getStatus: Handler = context => {
  const record = findDeployment(context)
  const id = requireInteger(context.params.status_id, 'deployments')
  const status = record.statuses.find(s => s.id === id)
  if (!status) throw notFound()
  return ok(deploymentStatus(context.urls, context.repository, record, status))
}

export const deploymentRoutes: Record<string, Handler> = {
  'repos/create-deployment': createDeployment,
  'repos/list-deployments': listDeployments,
  'repos/get-deployment': getDeployment,
  'repos/delete-deployment': deleteDeployment,
  'repos/create-deployment-status': createStatus,
  'repos/list-deployment-statuses': listStatuses,
  'repos/get-deployment-status': getStatus
}
