/**
 * The workflows and the actions agree. actionlint cannot check `org/mlops-actions/...@v1`
 * references (it would have to fetch them), so this test reads the same files from this
 * repository: every action and reusable workflow referenced exists, every `with:` key is an input
 * it declares, every required input is given, and every output read from it is one it sets.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { repoRoot } from '../harness/run-action.js'
import {
  FIRST_PARTY,
  calledWorkflowPath,
  readWorkflow,
  workflowFiles,
  type WorkflowFile
} from './workflow-model.js'

interface Interface {
  inputs: Record<string, { required?: boolean; default?: unknown }>
  outputs: string[]
}

function actionInterface(path: string): Interface | undefined {
  const file = join(repoRoot, path, 'action.yml')
  if (!existsSync(file)) return undefined
  const metadata = parseYaml(readFileSync(file, 'utf8'))
  return { inputs: metadata.inputs ?? {}, outputs: Object.keys(metadata.outputs ?? {}) }
}

function workflowInterface(path: string): Interface & { secrets: string[] } {
  const call = readWorkflow(path).doc.on.workflow_call ?? {}
  return {
    inputs: call.inputs ?? {},
    outputs: Object.keys(call.outputs ?? {}),
    secrets: Object.keys(call.secrets ?? {})
  }
}

/** Every `<prefix>.<id>.outputs.<name>` read anywhere in a YAML value. */
function outputReads(value: unknown, prefix: 'steps' | 'needs'): [string, string][] {
  const text = JSON.stringify(value)
  const pattern = new RegExp(`${prefix}\\.([A-Za-z0-9_-]+)\\.outputs\\.([A-Za-z0-9_-]+)`, 'g')
  return [...text.matchAll(pattern)].map(m => [m[1] as string, m[2] as string])
}

function missingRequired(spec: Interface['inputs'], given: Record<string, unknown>): string[] {
  return Object.entries(spec)
    .filter(
      ([name, input]) => input.required === true && input.default === undefined && !(name in given)
    )
    .map(([name]) => name)
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any

function problems(file: WorkflowFile): string[] {
  const found: string[] = []
  const jobs = Object.entries((file.doc.jobs ?? {}) as Record<string, Doc>)
  const calledBy = new Map<string, Interface>()
  for (const [id, job] of jobs) {
    if (typeof job.uses !== 'string') continue
    const path = calledWorkflowPath(job.uses)
    if (!path || !existsSync(join(repoRoot, path))) {
      found.push(`${id}: ${job.uses} is not a workflow of this repository`)
      continue
    }
    const callee = workflowInterface(path)
    calledBy.set(id, callee)
    const given = (job.with ?? {}) as Record<string, unknown>
    for (const key of Object.keys(given))
      if (!(key in callee.inputs)) found.push(`${id}: ${path} has no input ${key}`)
    for (const name of missingRequired(callee.inputs, given))
      found.push(`${id}: ${path} requires ${name}`)
    if (job.secrets && job.secrets !== 'inherit')
      for (const key of Object.keys(job.secrets as object))
        if (!callee.secrets.includes(key)) found.push(`${id}: ${path} has no secret ${key}`)
  }
  for (const [id, job] of jobs) {
    const actions = new Map<string, Interface>()
    for (const step of (job.steps ?? []) as Doc[]) {
      if (typeof step.uses !== 'string' || !step.uses.startsWith(`${FIRST_PARTY}/`)) continue
      const path = step.uses.slice(FIRST_PARTY.length + 1).replace(/@.*$/, '')
      const action = actionInterface(path)
      if (!action) {
        found.push(`${id}.${step.id}: ${path}/action.yml does not exist`)
        continue
      }
      actions.set(step.id, action)
      const given = (step.with ?? {}) as Record<string, unknown>
      for (const key of Object.keys(given))
        if (!(key in action.inputs)) found.push(`${id}.${step.id}: ${path} has no input ${key}`)
      for (const name of missingRequired(action.inputs, given))
        found.push(`${id}.${step.id}: ${path} requires ${name}`)
    }
    for (const [stepId, output] of outputReads(job, 'steps')) {
      const action = actions.get(stepId)
      if (action && !action.outputs.includes(output))
        found.push(`${id}: steps.${stepId}.outputs.${output} is not an output of that action`)
    }
    for (const [need, output] of outputReads(job, 'needs')) {
      const callee = calledBy.get(need)
      if (callee && !callee.outputs.includes(output))
        found.push(`${id}: needs.${need}.outputs.${output} is not an output of that workflow`)
    }
  }
  return found
}

describe.each(workflowFiles().map(f => [f.path, f] as const))('%s', (_path, file) => {
  test('uses the actions and reusable workflows of this repository as they are declared', () => {
    expect(problems(file)).toEqual([])
  })
})

test('a misnamed input, a missing required one and an unknown output are each caught', () => {
  const text = `on: push
permissions:
  contents: read
jobs:
  a:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    steps:
      - id: gate
        uses: org/mlops-actions/actions/canary-gate@v1
        with:
          prometheus-uri: http://127.0.0.1:9090
      - id: show
        env:
          VERDICT: \${{ steps.gate.outputs.result }}
        run: echo "$VERDICT"
      - id: nothing
        uses: org/mlops-actions/actions/no-such-action@v1
  b:
    uses: org/mlops-actions/.github/workflows/rollback.yml@v1
    permissions:
      contents: read
      deployments: write
    with:
      environment: prod
      reasons: typo
`
  expect(problems({ path: 'bad.yml', text, doc: parseYaml(text) })).toEqual([
    'b: .github/workflows/rollback.yml has no input reasons',
    'b: .github/workflows/rollback.yml requires reason',
    'a.gate: actions/canary-gate has no input prometheus-uri',
    'a.gate: actions/canary-gate requires prometheus-url',
    'a.nothing: actions/no-such-action/action.yml does not exist',
    'a: steps.gate.outputs.result is not an output of that action'
  ])
})

describe.each(['pr-checks', 'promote', 'rollback'])('%s.yml', name => {
  const on = readWorkflow(`.github/workflows/${name}.yml`).doc.on
  const triggers = ['workflow_call', 'workflow_dispatch'].filter(t => on[t]?.inputs)

  test('types and describes every input, output and secret', () => {
    const undocumented: string[] = []
    for (const trigger of triggers)
      for (const [input, spec] of Object.entries(on[trigger].inputs as Record<string, Doc>)) {
        if (!['string', 'boolean', 'number', 'choice', 'environment'].includes(spec.type))
          undocumented.push(`${trigger} input ${input}: no type`)
        if (!(String(spec.description ?? '').length > 10))
          undocumented.push(`${trigger} input ${input}: no description`)
      }
    for (const [output, spec] of Object.entries(
      (on.workflow_call.outputs ?? {}) as Record<string, Doc>
    ))
      if (!spec.description) undocumented.push(`output ${output}: no description`)
    for (const [secret, spec] of Object.entries(
      (on.workflow_call.secrets ?? {}) as Record<string, Doc>
    ))
      if (!spec.description || spec.required !== false)
        undocumented.push(
          `secret ${secret}: needs a description and required: false (inherit or environment)`
        )
    expect(undocumented).toEqual([])
  })
})
