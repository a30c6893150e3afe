import { readFileSync } from 'node:fs'

/** Every environment variable of the runner that the actions read, named once. */
export enum RunnerEnv {
  ApiUrl = 'GITHUB_API_URL',
  ServerUrl = 'GITHUB_SERVER_URL',
  Repository = 'GITHUB_REPOSITORY',
  Sha = 'GITHUB_SHA',
  Ref = 'GITHUB_REF',
  HeadRef = 'GITHUB_HEAD_REF',
  EventName = 'GITHUB_EVENT_NAME',
  EventPath = 'GITHUB_EVENT_PATH',
  RunId = 'GITHUB_RUN_ID',
  RunAttempt = 'GITHUB_RUN_ATTEMPT',
  Actor = 'GITHUB_ACTOR',
  Workspace = 'GITHUB_WORKSPACE',
  RunnerTemp = 'RUNNER_TEMP',
  SourceDateEpoch = 'SOURCE_DATE_EPOCH'
}

export interface RunnerContext {
  apiUrl: string
  serverUrl: string
  owner: string
  repo: string
  sha: string
  ref: string
  headRef: string
  eventName: string
  runId: string
  actor: string
  workspace: string
  runnerTemp: string
  /** Link to this workflow run, for audit records and summaries; empty outside a run. */
  runUrl: string
  /** The pull request number when the event is a pull request. */
  pullRequest?: number
}

export function readRunnerContext(env: NodeJS.ProcessEnv = process.env): RunnerContext {
  const [owner = '', repo = ''] = (env[RunnerEnv.Repository] ?? '').split('/')
  const serverUrl = env[RunnerEnv.ServerUrl] || 'https://github.com'
  const runId = env[RunnerEnv.RunId] ?? ''
  const attempt = env[RunnerEnv.RunAttempt]
  const event = readEvent(env[RunnerEnv.EventPath])
  const pr =
    (event?.pull_request as { number?: number } | undefined)?.number ??
    (event?.number as number | undefined)
  return {
    apiUrl: env[RunnerEnv.ApiUrl] || 'https://api.github.com',
    serverUrl,
    owner,
    repo,
    sha: env[RunnerEnv.Sha] ?? '',
    ref: env[RunnerEnv.Ref] ?? '',
    headRef: env[RunnerEnv.HeadRef] ?? '',
    eventName: env[RunnerEnv.EventName] ?? '',
    runId,
    actor: env[RunnerEnv.Actor] ?? '',
    workspace: env[RunnerEnv.Workspace] || process.cwd(),
    runnerTemp: env[RunnerEnv.RunnerTemp] ?? '',
    runUrl:
      owner && runId
        ? `${serverUrl}/${owner}/${repo}/actions/runs/${runId}${attempt ? `/attempts/${attempt}` : ''}`
        : '',
    ...(typeof pr === 'number' && /^pull_request/.test(env[RunnerEnv.EventName] ?? '')
      ? { pullRequest: pr }
      : {})
  }
}

function readEvent(path: string | undefined): Record<string, unknown> | undefined {
  if (!path) return undefined
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}
