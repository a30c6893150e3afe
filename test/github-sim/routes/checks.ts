// Check runs: create, update, get. A conclusion completes a run, as at GitHub.
import {
  GitHubError,
  notFound,
  ok,
  requireInteger,
  type Handler,
  type HandlerContext
} from '../http.js'
import { checkRun } from '../present.js'
import { timestamp, type CheckRunRecord } from '../state.js'

interface CheckRunBody {
  name?: string
  head_sha?: string
  details_url?: string
  external_id?: string
  status?: string
  conclusion?: string
  started_at?: string
  completed_at?: string
  output?: { title?: string; summary?: string; text?: string }
}

function findRun(context: HandlerContext): CheckRunRecord {
  const id = requireInteger(context.params.check_run_id, 'checks')
  const run = context.repository.checkRuns.find(r => r.id === id)
  if (!run) throw notFound()
  return run
}

function apply(run: CheckRunRecord, body: CheckRunBody): void {
  if (body.name !== undefined) run.name = body.name
  if (body.details_url !== undefined) run.detailsUrl = body.details_url
  if (body.external_id !== undefined) run.externalId = body.external_id
  if (body.started_at !== undefined) run.startedAt = timestamp(new Date(body.started_at))
  if (body.output) {
    run.output = {
      title: body.output.title ?? run.output.title,
      summary: body.output.summary ?? run.output.summary,
      text: body.output.text ?? run.output.text
    }
  }
  if (body.status !== undefined) run.status = body.status
  if (body.conclusion !== undefined) {
    run.conclusion = body.conclusion
    run.status = 'completed'
  }
  if (run.status === 'completed') {
    if (!run.conclusion)
      throw new GitHubError(422, 'Invalid request.\n\n"conclusion" wasn\'t supplied.')
    run.completedAt = body.completed_at
      ? timestamp(new Date(body.completed_at))
      : (run.completedAt ?? timestamp())
  }
}

const create: Handler = context => {
  const body = context.body as CheckRunBody & { name: string; head_sha: string }
  if (!context.state.hasCommit(body.head_sha))
    throw new GitHubError(422, `No commit found for SHA: ${body.head_sha}`)
  const run: CheckRunRecord = {
    id: context.state.id(),
    name: body.name,
    headSha: body.head_sha,
    status: 'queued',
    conclusion: null,
    detailsUrl: null,
    externalId: '',
    startedAt: timestamp(),
    completedAt: null,
    output: { title: null, summary: null, text: null }
  }
  apply(run, body)
  context.repository.checkRuns.push(run)
  return ok(checkRun(context.urls, context.repository, run), 201)
}

const update: Handler = context => {
  const run = findRun(context)
  const next = { ...run, output: { ...run.output } }
  apply(next, context.body as CheckRunBody)
  Object.assign(run, next)
  return ok(checkRun(context.urls, context.repository, run))
}

const get: Handler = context => ok(checkRun(context.urls, context.repository, findRun(context)))

export const checkRoutes: Record<string, Handler> = {
  'checks/create': create,
  'checks/update': update,
  'checks/get': get
}
