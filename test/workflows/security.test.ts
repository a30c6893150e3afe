/**
 * The security rules of SPEC section 5, over every workflow and template, each also shown to
 * catch a workflow that breaks it.
 */
import { parse as parseYaml } from 'yaml'
import {
  allUses,
  expressionsInRun,
  neededWriteScopes,
  permissionProblems,
  persistedCredentials,
  pinProblems,
  pullRequestTargetProblems,
  stepsWithoutId,
  writeScopes
} from './security-rules.js'
import {
  calledWorkflowPath,
  readWorkflow,
  workflowFiles,
  type WorkflowFile
} from './workflow-model.js'

const files = workflowFiles()
const names = files.map(f => f.path)

function inline(text: string): WorkflowFile {
  return { path: 'inline.yml', text, doc: parseYaml(text) }
}

/** What a reusable workflow's jobs may write: the most a caller job must grant it. */
function calledScopes(uses: string): string[] {
  const path = calledWorkflowPath(uses)
  if (!path) throw new Error(`${uses} is not a workflow of this repository`)
  const called = readWorkflow(path)
  return [
    ...new Set(Object.values(called.doc.jobs as Record<string, unknown>).flatMap(writeScopes))
  ].sort()
}

test('the rules look at every workflow and template', () => {
  expect(names).toEqual(
    expect.arrayContaining([
      '.github/workflows/ci.yml',
      '.github/workflows/check-dist.yml',
      '.github/workflows/e2e.yml',
      '.github/workflows/pr-checks.yml',
      '.github/workflows/promote.yml',
      '.github/workflows/release.yml',
      '.github/workflows/rollback.yml',
      'workflows-templates/mlops-pipeline.yml',
      'workflows-templates/mlops-rollback.yml'
    ])
  )
})

describe.each(names)('%s', path => {
  const file = files.find(f => f.path === path) as WorkflowFile

  test('puts no ${{ }} inside a run: script', () => {
    expect(expressionsInRun(file)).toEqual([])
  })

  test('declares read-only permissions at the top and permissions on every job', () => {
    expect(permissionProblems(file)).toEqual([])
  })

  test('each job writes only what its steps need, and gets what they need', () => {
    for (const [id, job] of Object.entries(file.doc.jobs as Record<string, { uses?: string }>)) {
      const needed = typeof job.uses === 'string' ? calledScopes(job.uses) : neededWriteScopes(job)
      expect({ job: id, writes: writeScopes(job) }).toEqual({ job: id, writes: needed })
    }
  })

  test('pins third-party actions by a verified commit and first-party ones at @v1', () => {
    expect(pinProblems(file)).toEqual([])
  })

  test('never checks out a pull request head under pull_request_target', () => {
    expect(pullRequestTargetProblems(file)).toEqual([])
  })

  test('gives every step an id', () => {
    expect(stepsWithoutId(file)).toEqual([])
  })

  test('checks out without persisting the token', () => {
    expect(persistedCredentials(file)).toEqual([])
  })
})

const LEVEL: Record<string, number> = { none: 0, read: 1, write: 2 }

test('a caller grants every permission the jobs it calls ask for (else GitHub refuses the run)', () => {
  const shortfalls: string[] = []
  for (const file of files)
    for (const [id, job] of Object.entries(
      file.doc.jobs as Record<string, Record<string, unknown>>
    )) {
      if (typeof job.uses !== 'string') continue
      const granted = (job.permissions ?? {}) as Record<string, string>
      const called = readWorkflow(calledWorkflowPath(job.uses) as string)
      for (const [calledId, calledJob] of Object.entries(
        called.doc.jobs as Record<string, { permissions?: Record<string, string> }>
      ))
        for (const [scope, level] of Object.entries(calledJob.permissions ?? {}))
          if ((LEVEL[granted[scope] ?? 'none'] ?? 0) < (LEVEL[level] ?? 0))
            shortfalls.push(
              `${file.path} ${id} -> ${calledId} asks ${scope}: ${level}, granted ${granted[scope] ?? 'none'}`
            )
    }
  expect(shortfalls).toEqual([])
})

test('the reusable workflows and templates call only first-party workflows at @v1', () => {
  const calls = files.flatMap(allUses).filter(u => u.uses.includes('.github/workflows/'))
  expect(calls.length).toBeGreaterThan(0)
  for (const call of calls)
    expect(call.uses).toMatch(/^org\/mlops-actions\/\.github\/workflows\/[a-z-]+\.yml@v1$/)
})

describe('each rule catches a workflow that breaks it', () => {
  const bad = inline(`
on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - uses: actions/checkout@v4
        with:
          ref: \${{ github.event.pull_request.head.sha }}
      - id: greet
        run: echo "\${{ github.event.pull_request.title }}"
      - id: pinned
        uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.0.0
      - id: ours
        uses: org/mlops-actions/deploy@main
      - id: image
        uses: docker://alpine:3
  deploy:
    runs-on: ubuntu-latest
    permissions:
      contents: write
      deployments: write
    steps:
      - id: deploy
        uses: org/mlops-actions/actions/version-tag@v1
`)

  test('an expression inside run:', () => {
    expect(expressionsInRun(bad)).toEqual(['build.greet: ${{ }} inside run:'])
  })

  test('missing or broad permissions', () => {
    expect(permissionProblems(bad)).toEqual(['no top-level permissions', 'build: write-all'])
    expect(permissionProblems(inline('permissions: write-all\njobs: {}'))).toEqual([
      'top-level permissions: write-all'
    ])
    expect(permissionProblems(inline('permissions:\n  contents: write\njobs: {}'))).toEqual([
      'top-level contents: write'
    ])
  })

  test('write scopes no step needs', () => {
    const job = bad.doc.jobs.deploy
    expect(writeScopes(job)).toEqual(['contents', 'deployments'])
    expect(neededWriteScopes(job)).toEqual([])
  })

  test('unpinned, unverified and mislabelled references', () => {
    expect(pinProblems(bad)).toEqual([
      'build.?: actions/checkout@v4 is not pinned by a full commit SHA',
      'build.pinned: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 says "# v4.0.0", verified as v4.4.0',
      'build.ours: org/mlops-actions/deploy@main should use @v1',
      'build.image: docker://alpine:3 not pinned by digest'
    ])
  })

  test('pull_request_target checking out the head', () => {
    expect(pullRequestTargetProblems(bad)).toEqual([
      'build.?: pull_request_target checks out the pull request head'
    ])
  })

  test('steps without ids and persisted credentials', () => {
    expect(stepsWithoutId(bad)).toEqual(['build: step 1 has no id'])
    expect(persistedCredentials(bad)).toEqual([
      'build.?: checkout keeps the token (persist-credentials: false)'
    ])
  })
})
