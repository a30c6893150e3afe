import type { AuditRecord } from '../audit.js'
import type { Log } from '../log.js'
import type { GitHubClient } from './client.js'
import { createOnce } from './create-once.js'

export interface Repository {
  owner: string
  repo: string
}

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'inactive' | 'error'

/** What GitHub shows while a deploy runs: the record as far as it is known at the start. */
export type StartPayload = Omit<AuditRecord, 'outcome' | 'finishedAt'> & {
  outcome: 'in-progress'
  finishedAt: null
}

export function startPayload(record: AuditRecord): StartPayload {
  return { ...record, outcome: 'in-progress', finishedAt: null }
}

export interface DeploymentRequest extends Repository {
  /** The commit deployed (GITHUB_SHA). */
  ref: string
  environment: string
  description: string
  payload: StartPayload | AuditRecord
  /** Tells GitHub which task this is: `deploy`, `deploy:promote`, `deploy:rollback`. */
  task: string
  logUrl: string
  environmentUrl: string
}

/** GitHub limits deployment and status descriptions to 140 characters. */
function clip(text: string): string {
  return text.length > 140 ? `${text.slice(0, 139)}…` : text
}

/** Production environments get GitHub's production treatment; preview ones are transient. */
export function environmentKind(environment: string): { production: boolean; transient: boolean } {
  return {
    production: /^prod(uction)?$/i.test(environment),
    transient: /^(pr|review|preview)[-/_]/i.test(environment)
  }
}

/**
 * Creates the Deployment and marks it `in_progress`. `auto_merge: false` because a deploy never
 * merges branches; `required_contexts: []` because the workflow's own checks already gated it.
 */
export async function startDeployment(
  github: GitHubClient,
  request: DeploymentRequest
): Promise<number> {
  const kind = environmentKind(request.environment)
  const parameters = {
    owner: request.owner,
    repo: request.repo,
    ref: request.ref,
    task: request.task,
    environment: request.environment,
    description: clip(request.description),
    payload: request.payload as unknown as { [key: string]: unknown },
    auto_merge: false,
    required_contexts: [],
    transient_environment: kind.transient,
    production_environment: kind.production
  }
  const id = await createOnce(
    async () => {
      const created = await github.rest.repos.createDeployment({
        ...parameters,
        request: { retries: 0 }
      })
      const made = (created.data as { id?: number }).id
      if (typeof made !== 'number')
        throw new Error(
          `GitHub did not create the deployment: ${JSON.stringify(created.data).slice(0, 200)}`
        )
      return made
    },
    () => findCreatedDeployment(github, request)
  )
  await setDeploymentState(github, request, id, 'in_progress', request.description)
  return id
}

/** The Deployment this request created, if a create whose answer was lost went through. */
async function findCreatedDeployment(
  github: GitHubClient,
  request: DeploymentRequest
): Promise<number | undefined> {
  const { data } = await github.rest.repos.listDeployments({
    owner: request.owner,
    repo: request.repo,
    environment: request.environment,
    task: request.task,
    per_page: 30
  })
  // The payload holds this run's audit record, with its start time: it names our request.
  const sent = JSON.stringify(request.payload)
  return data.find(d => JSON.stringify(d.payload) === sent)?.id
}

export async function setDeploymentState(
  github: GitHubClient,
  target: Repository & { logUrl: string; environmentUrl: string },
  id: number,
  state: DeploymentState,
  description: string,
  /** GitHub marks earlier successful deployments of the environment inactive unless told not to. */
  autoInactive = true
): Promise<void> {
  await github.rest.repos.createDeploymentStatus({
    owner: target.owner,
    repo: target.repo,
    deployment_id: id,
    state,
    description: clip(description),
    ...(state === 'success' && !autoInactive ? { auto_inactive: false } : {}),
    ...(target.logUrl ? { log_url: target.logUrl } : {}),
    ...(target.environmentUrl && state !== 'inactive'
      ? { environment_url: target.environmentUrl }
      : {})
  })
}

/**
 * A Deployment of this repository whose audit record names `tree` and `digest`: the repository's
 * own record that it built and deployed that image from that tree. Only someone who may create
 * Deployments here can write one, which is what makes it the anchor for trusting a
 * `tree-<hash>` image that anyone with push access to the package could have tagged.
 */
export async function findDeploymentOfTree(
  github: GitHubClient,
  repository: Repository,
  tree: string,
  digest: string
): Promise<{ id: number; environment: string } | undefined> {
  let page = 0
  for await (const response of github.paginate.iterator(github.rest.repos.listDeployments, {
    owner: repository.owner,
    repo: repository.repo,
    per_page: 100
  })) {
    for (const deployment of response.data) {
      const payload = deployment.payload as { tree?: unknown; digest?: unknown } | string
      if (typeof payload === 'object' && payload?.tree === tree && payload?.digest === digest)
        return { id: deployment.id, environment: deployment.environment }
    }
    // The newest 500 are plenty: a tree is deployed soon after it is built.
    if (++page >= 5) break
  }
  return undefined
}

/**
 * The deployment of `release` now live in `environment`: the newest one whose payload names the
 * release and whose latest status is `success` (or still `in_progress`).
 */
export async function findLiveDeployment(
  github: GitHubClient,
  repository: Repository,
  environment: string,
  release: string
): Promise<number | undefined> {
  const deployments = await github.rest.repos.listDeployments({
    ...repository,
    environment,
    per_page: 30
  })
  for (const deployment of deployments.data) {
    const payload = deployment.payload as { release?: string } | string
    if (typeof payload !== 'object' || payload?.release !== release) continue
    const statuses = await github.rest.repos.listDeploymentStatuses({
      ...repository,
      deployment_id: deployment.id,
      per_page: 1
    })
    const state = statuses.data[0]?.state
    if (state === 'success' || state === 'in_progress') return deployment.id
  }
  return undefined
}

/** Runs a GitHub call whose failure must not undo a Kubernetes change that already happened. */
export async function bestEffort<T>(
  log: Log,
  what: string,
  call: () => Promise<T>
): Promise<T | undefined> {
  try {
    return await call()
  } catch (error) {
    log.warning(`Could not ${what}: ${error instanceof Error ? error.message : String(error)}`)
    return undefined
  }
}
