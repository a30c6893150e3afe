/**
 * The security rules every workflow and template follows, as functions that return what breaks
 * them (empty when none), so that each rule can also be shown to catch a bad workflow.
 *
 * First-party references (`org/mlops-actions/...@v1`) are not pinned by SHA, on purpose: they
 * are this repository's own actions and reusable workflows, released together, and `release.yml`
 * moves `v1` to each release. A reusable workflow at `v1` that called its actions by an older SHA
 * would run code from another release than its own. They must use exactly `@v1` (never a branch),
 * so one tag moves both. Everything else is third-party and pinned by a full commit SHA that is
 * listed below with the release it was verified against.
 */
import type { WorkflowFile } from './workflow-model.js'
import { FIRST_PARTY } from './workflow-model.js'

export const FIRST_PARTY_REF = 'v1'

/** Third-party actions and the commits verified for them (`# vX.Y.Z` must name the release). */
export const VERIFIED_PINS: Record<string, Record<string, string>> = {
  'actions/checkout': { '11bd71901bbe5b1630ceea73d27597364c9af683': 'v4.2.2' },
  'actions/setup-node': { '49933ea5288caeca8642d1e84afbd3f7d6820020': 'v4.4.0' },
  'actions/setup-python': { a26af69be951a213d495a4c3e4e4022e16d87065: 'v5.6.0' },
  'actions/upload-artifact': { ea165f8d65b6e75b540449e92b4886f43607fa02: 'v4.6.2' },
  'azure/setup-helm': { b9e51907a09c216f16ebe8536097933489208112: 'v4.3.0' },
  'helm/kind-action': { a1b0e391336a6ee6713a0583f8c6240d70863de3: 'v1.12.0' }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any

export interface Uses {
  where: string
  uses: string
  /** The comment after the reference on its line, e.g. `v4.2.2`. */
  comment: string
}

function jobs(doc: Doc): [string, Doc][] {
  return Object.entries((doc?.jobs ?? {}) as Record<string, Doc>)
}

function steps(job: Doc): Doc[] {
  return (job?.steps ?? []) as Doc[]
}

/** Every `uses:` of a step or a job, with its trailing comment. */
export function allUses(file: WorkflowFile): Uses[] {
  const comments = new Map<string, string>()
  for (const line of file.text.split('\n')) {
    const match = /^\s*(?:-\s+)?uses:\s*(\S+)\s*(?:#\s*(.*))?$/.exec(line)
    if (match) comments.set(match[1] as string, (match[2] ?? '').trim())
  }
  const found: Uses[] = []
  for (const [id, job] of jobs(file.doc)) {
    if (typeof job.uses === 'string')
      found.push({ where: `${id}`, uses: job.uses, comment: comments.get(job.uses) ?? '' })
    for (const step of steps(job))
      if (typeof step.uses === 'string')
        found.push({
          where: `${id}.${step.id ?? '?'}`,
          uses: step.uses,
          comment: comments.get(step.uses) ?? ''
        })
  }
  return found
}

/** Rule: nothing is expanded into a shell script; values reach it through `env:`. */
export function expressionsInRun(file: WorkflowFile): string[] {
  const problems: string[] = []
  for (const [id, job] of jobs(file.doc))
    for (const step of steps(job))
      if (typeof step.run === 'string' && step.run.includes('${{'))
        problems.push(`${id}.${step.id ?? '?'}: \${{ }} inside run:`)
  return problems
}

/** Rule: a read-only default at the top, and every job states what it needs. */
export function permissionProblems(file: WorkflowFile): string[] {
  const problems: string[] = []
  const top = file.doc?.permissions
  if (top === undefined) problems.push('no top-level permissions')
  else if (typeof top === 'string') problems.push(`top-level permissions: ${top}`)
  else
    for (const [scope, level] of Object.entries(top as Record<string, string>))
      if (level !== 'read' && level !== 'none') problems.push(`top-level ${scope}: ${level}`)
  for (const [id, job] of jobs(file.doc)) {
    if (job.permissions === undefined) problems.push(`${id}: no permissions`)
    else if (typeof job.permissions === 'string') problems.push(`${id}: ${job.permissions}`)
  }
  return problems
}

/** The write scopes a job declares. */
export function writeScopes(job: Doc): string[] {
  const permissions = job?.permissions
  if (!permissions || typeof permissions !== 'object') return []
  return Object.entries(permissions as Record<string, string>)
    .filter(([, level]) => level === 'write')
    .map(([scope]) => scope)
    .sort()
}

function firstParty(uses: unknown, path: string): boolean {
  return typeof uses === 'string' && uses.startsWith(`${FIRST_PARTY}/${path}@`)
}

/**
 * The write scopes a job's own steps need, from what they do. Reusable workflow calls are
 * resolved by `calledScopes` (the union of what the called jobs declare).
 */
export function neededWriteScopes(job: Doc): string[] {
  const needed = new Set<string>()
  for (const step of steps(job)) {
    const uses = step.uses
    if (firstParty(uses, 'deploy') || firstParty(uses, 'actions/deploy-helm'))
      needed.add('deployments')
    if (firstParty(uses, 'actions/rollback')) needed.add('deployments')
    if (firstParty(uses, 'actions/build-image') && String(step.with?.push) !== 'false')
      needed.add('packages')
    if (firstParty(uses, 'actions/version-tag') && String(step.with?.['create-tag']) === 'true')
      needed.add('contents')
    if (firstParty(uses, 'actions/run-model-tests') && String(step.with?.comment) !== 'false')
      needed.add('pull-requests')
    const run = typeof step.run === 'string' ? step.run : ''
    const writesThroughApi = /gh api[^\n]*--method (POST|PATCH|PUT|DELETE)/.test(run)
    if (writesThroughApi && /\/comments/.test(run)) needed.add('pull-requests')
    if (writesThroughApi && /git\/refs/.test(run)) needed.add('contents')
  }
  return [...needed].sort()
}

/** Rule: third-party actions are pinned by a verified commit; first-party ones use exactly @v1. */
export function pinProblems(file: WorkflowFile): string[] {
  const problems: string[] = []
  for (const { where, uses, comment } of allUses(file)) {
    if (uses.startsWith('./')) continue
    if (uses.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(uses))
        problems.push(`${where}: ${uses} not pinned by digest`)
      continue
    }
    const at = uses.lastIndexOf('@')
    const name = uses.slice(0, at)
    const ref = uses.slice(at + 1)
    const repository = name.split('/').slice(0, 2).join('/')
    if (repository === FIRST_PARTY) {
      if (ref !== FIRST_PARTY_REF) problems.push(`${where}: ${uses} should use @${FIRST_PARTY_REF}`)
      continue
    }
    if (!/^[0-9a-f]{40}$/.test(ref)) {
      problems.push(`${where}: ${uses} is not pinned by a full commit SHA`)
      continue
    }
    const verified = VERIFIED_PINS[name]?.[ref]
    if (!verified) problems.push(`${where}: ${uses} is not a verified pin`)
    else if (comment !== verified)
      problems.push(`${where}: ${uses} says "# ${comment}", verified as ${verified}`)
  }
  return problems
}

/** Rule: no pull_request_target that checks out the pull request's code. */
export function pullRequestTargetProblems(file: WorkflowFile): string[] {
  const on = file.doc?.on
  const events =
    typeof on === 'string' ? [on] : Array.isArray(on) ? on : Object.keys((on ?? {}) as object)
  if (!events.includes('pull_request_target')) return []
  const problems: string[] = []
  for (const [id, job] of jobs(file.doc))
    for (const step of steps(job)) {
      if (typeof step.uses !== 'string' || !step.uses.startsWith('actions/checkout@')) continue
      const ref = String(step.with?.ref ?? '') + String(step.with?.repository ?? '')
      if (/github\.event\.pull_request\.head|github\.head_ref|refs\/pull\//.test(ref))
        problems.push(
          `${id}.${step.id ?? '?'}: pull_request_target checks out the pull request head`
        )
    }
  return problems
}

/** Rule: every step has an id (outputs, conditions and logs can name it). */
export function stepsWithoutId(file: WorkflowFile): string[] {
  return jobs(file.doc).flatMap(([id, job]) =>
    steps(job)
      .map((step, index) => (step.id ? '' : `${id}: step ${index + 1} has no id`))
      .filter(Boolean)
  )
}

/**
 * Rule: checkouts do not leave the token in .git/config for later steps (and artifacts) to find;
 * a job that pushes with git would need it, none here does (tags are made through the API).
 */
export function persistedCredentials(file: WorkflowFile): string[] {
  return jobs(file.doc).flatMap(([id, job]) =>
    steps(job)
      .filter(
        step =>
          typeof step.uses === 'string' &&
          step.uses.startsWith('actions/checkout@') &&
          step.with?.['persist-credentials'] !== false
      )
      .map(step => `${id}.${step.id ?? '?'}: checkout keeps the token (persist-credentials: false)`)
  )
}
