/**
 * A caller must grant a reusable workflow every permission its jobs ask, or GitHub refuses the
 * run at startup: the permissions are derived from the jobs and checked against ADOPTING.md.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { repoRoot } from '../harness/run-action.js'

const RANK: Record<string, number> = { none: 0, read: 1, write: 2 }

function required(workflow: string): Record<string, string> {
  const doc = parse(readFileSync(join(repoRoot, '.github/workflows', workflow), 'utf8'))
  const needed: Record<string, string> = {}
  for (const job of Object.values(doc.jobs) as { permissions?: Record<string, string> }[])
    for (const [scope, level] of Object.entries(job.permissions ?? {}))
      if ((RANK[level] ?? 0) > (RANK[needed[scope] ?? 'none'] ?? 0)) needed[scope] = level
  return needed
}

const adopting = readFileSync(join(repoRoot, 'docs/ADOPTING.md'), 'utf8')

test.each(['pr-checks.yml', 'promote.yml', 'rollback.yml'])(
  'docs/ADOPTING.md grants %s every permission its jobs ask',
  workflow => {
    const row = adopting.split('\n').find(line => line.startsWith(`| \`${workflow}\``)) ?? ''
    const missing = Object.entries(required(workflow))
      .filter(([scope, level]) => !row.includes(`\`${scope}: ${level}\``))
      .map(([scope, level]) => `${scope}: ${level}`)
    expect(missing).toEqual([])
  }
)

type Job = { uses?: string; permissions?: Record<string, string> }

/** The jobs of a workflow document that call one of the suite's reusable workflows. */
function callers(doc: { jobs?: Record<string, Job> }): [string, Job][] {
  return Object.entries(doc.jobs ?? {}).filter(([, job]) =>
    /\/\.github\/workflows\/[^@]+@/.test(job.uses ?? '')
  )
}

function ungranted(job: Job): string[] {
  const workflow = (job.uses ?? '').replace(/^.*\/\.github\/workflows\/([^@]+)@.*$/, '$1')
  return Object.entries(required(workflow))
    .filter(
      ([scope, level]) => (RANK[job.permissions?.[scope] ?? 'none'] ?? 0) < (RANK[level] ?? 0)
    )
    .map(([scope, level]) => `${workflow}: ${scope}: ${level}`)
}

test.each(['mlops-pipeline.yml', 'mlops-rollback.yml'])(
  'the starter template %s grants what the workflows it calls ask',
  template => {
    const doc = parse(readFileSync(join(repoRoot, 'workflows-templates', template), 'utf8'))
    expect(callers(doc).length).toBeGreaterThan(0)
    expect(callers(doc).flatMap(([, job]) => ungranted(job))).toEqual([])
  }
)

test("the README's workflow examples grant what the workflows they call ask", () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map(m => parse(m[1] ?? ''))
  const jobs = blocks.flatMap(doc => (doc && typeof doc === 'object' ? callers(doc) : []))
  expect(jobs.length).toBeGreaterThan(0)
  expect(jobs.flatMap(([, job]) => ungranted(job))).toEqual([])
})
