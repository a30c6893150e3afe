/**
 * A model of how GitHub decides which jobs of a workflow run, built on GitHub's own pieces: the
 * workflow parser (`@actions/workflow-parser`, which also wraps a job's `if` in `success() && (...)`
 * when it names no status function) and the expression evaluator (`@actions/expressions`).
 *
 * What the model does itself, because the runner service is not public:
 * - job order from `needs`; a job's `if` sees `needs.<id>.result`/`outputs` of its direct needs;
 * - job-level status functions look at every ancestor, not only the direct needs, as GitHub does
 *   ("a failure or skip applies to all jobs in the dependency chain"): `success()` is true when
 *   every ancestor succeeded (a skipped ancestor makes it false), `failure()` when one failed;
 * - a job that runs succeeds unless the scenario says it fails or a run step it executes fails;
 * - a reusable workflow job runs the called file (from this repository) with its `with:` values,
 *   the callee's input defaults and types, and the caller's `github` context;
 * - step outputs come from an oracle (the test's stand-in for the actions), except for `run:`
 *   steps the test asks to execute: those run for real in bash, with their `env:` evaluated.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Evaluator, Lexer, Parser, data } from '@actions/expressions'
import type { ExpressionData } from '@actions/expressions/data/expressiondata'
import type { FunctionDefinition } from '@actions/expressions/funcs/info'
import { truthy } from '@actions/expressions/result'
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  parseWorkflow,
  type WorkflowTemplate
} from '@actions/workflow-parser'
import { parse as parseYaml } from 'yaml'
import { repoRoot } from '../harness/run-action.js'

export const FIRST_PARTY = 'org/mlops-actions'

export interface WorkflowFile {
  /** Path relative to the repository root, e.g. `.github/workflows/promote.yml`. */
  path: string
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  doc: any
}

/** Every workflow of the project and every starter template. */
export function workflowFiles(): WorkflowFile[] {
  const dirs = ['.github/workflows', 'workflows-templates']
  return dirs.flatMap(dir =>
    readdirSync(join(repoRoot, dir))
      .filter(name => /\.ya?ml$/.test(name))
      .sort()
      .map(name => readWorkflow(`${dir}/${name}`))
  )
}

export function readWorkflow(path: string): WorkflowFile {
  const text = readFileSync(join(repoRoot, path), 'utf8')
  return { path, text, doc: parseYaml(text) }
}

/** The workflow as GitHub's parser sees it; throws with the parser's messages when it rejects it. */
export async function parseWithGitHub(file: WorkflowFile): Promise<WorkflowTemplate> {
  const result = parseWorkflow(
    { name: file.path, content: file.text },
    new NoOperationTraceWriter()
  )
  const errors = result.context.errors.getErrors().map(e => e.message)
  if (errors.length > 0 || !result.value) throw new Error(`${file.path}: ${errors.join('; ')}`)
  const template = await convertWorkflowTemplate(result.context, result.value)
  const conversionErrors = (template.errors ?? []).map(e => e.Message)
  if (conversionErrors.length > 0) throw new Error(`${file.path}: ${conversionErrors.join('; ')}`)
  return template
}

// ---------------------------------------------------------------------------------------------
// Expressions

export type JobResult = 'success' | 'failure' | 'skipped' | 'cancelled'

interface StatusFunctions {
  success: boolean
  failure: boolean
  cancelled: boolean
}

const CONTEXTS = [
  'github',
  'inputs',
  'vars',
  'needs',
  'steps',
  'env',
  'job',
  'jobs',
  'runner',
  'secrets',
  'strategy',
  'matrix'
]

function toData(value: unknown): ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as ExpressionData
}

function statusFunctions(status: StatusFunctions): Map<string, FunctionDefinition> {
  const fn = (name: string, value: boolean): [string, FunctionDefinition] => [
    name,
    { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value) }
  ]
  return new Map([
    fn('success', status.success),
    fn('failure', status.failure),
    fn('cancelled', status.cancelled),
    fn('always', true)
  ])
}

/** Evaluates one expression (without `${{ }}`) with GitHub's evaluator. */
export function evaluateExpression(
  expression: string,
  context: Record<string, unknown>,
  status: StatusFunctions = { success: true, failure: false, cancelled: false }
): ExpressionData {
  const lexed = new Lexer(expression).lex()
  const functions = ['success', 'failure', 'cancelled', 'always'].map(name => ({
    name,
    minArgs: 0,
    maxArgs: 0
  }))
  const parsed = new Parser(lexed.tokens, CONTEXTS, [
    ...functions,
    { name: 'hashFiles', minArgs: 1, maxArgs: 255 }
  ]).parse()
  const dictionary = new data.Dictionary(
    ...CONTEXTS.map(key => ({ key, value: toData(context[key] ?? {}) }))
  )
  return new Evaluator(parsed, dictionary, statusFunctions(status)).evaluate()
}

/** ExpressionData back to plain JSON values. */
export function fromData(value: ExpressionData): unknown {
  switch (value.kind) {
    case data.Kind.Null:
      return null
    case data.Kind.Boolean:
      return (value as data.BooleanData).value
    case data.Kind.Number:
      return (value as data.NumberData).value
    case data.Kind.String:
      return (value as data.StringData).value
    case data.Kind.Array:
      return (value as data.Array).values().map(fromData)
    case data.Kind.Dictionary:
      return Object.fromEntries(
        (value as data.Dictionary).pairs().map(p => [p.key, fromData(p.value)])
      )
    default:
      // Kinds a later version of the library may add: as the runner would print them.
      return (value as { coerceString(): string }).coerceString()
  }
}

const WHOLE = /^\s*\$\{\{((?:(?!\}\})[\s\S])*)\}\}\s*$/
const EMBEDDED = /\$\{\{([\s\S]*?)\}\}/g

/**
 * A YAML value as the runner evaluates it: a value that is one `${{ }}` keeps the expression's
 * type; text with expressions inside becomes text (as `format()` would make it).
 */
export function evaluateValue(value: unknown, context: Record<string, unknown>): unknown {
  if (typeof value !== 'string') return value
  const whole = WHOLE.exec(value)
  if (whole) return fromData(evaluateExpression(whole[1] as string, context))
  return value.replace(EMBEDDED, (_, expr: string) =>
    evaluateExpression(expr, context).coerceString()
  )
}

export function evaluateCondition(
  condition: string,
  context: Record<string, unknown>,
  status: StatusFunctions
): boolean {
  return truthy(evaluateExpression(condition, context, status))
}

// ---------------------------------------------------------------------------------------------
// Scenarios

export interface Scenario {
  event: string
  /** `refs/heads/develop`, `refs/pull/7/merge`, `refs/tags/v1.0.0`. */
  ref: string
  headRef?: string
  baseRef?: string
  /** The event payload (`github.event`). */
  event_payload?: Record<string, unknown>
  /** workflow_dispatch inputs (or workflow_call inputs when a workflow is simulated directly). */
  inputs?: Record<string, unknown>
  vars?: Record<string, string>
  /** Secrets the caller has (repository, organization or environment ones). */
  secrets?: Record<string, string>
  /** `file:job` (or `job` for any file) of jobs that fail when they run. */
  failing?: string[]
  repository?: string
  actor?: string
}

export interface StepCall {
  workflow: string
  job: string
  stepId: string
  uses?: string
  with: Record<string, unknown>
  github: Record<string, unknown>
}

/** An oracle answer with this key set to `failure` makes the step fail after setting its outputs. */
export const FAILED_STEP = '::outcome'

/** Outputs of a step that is not executed: the test's stand-in for what the action would set. */
export type StepOracle = (call: StepCall) => Record<string, string>

export interface ExecutedStep {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

export interface JobRun {
  id: string
  result: JobResult
  environment?: string
  concurrency?: { group: string; cancelInProgress: boolean }
  outputs: Record<string, unknown>
  /** Jobs of the called workflow, for a reusable workflow job that ran. */
  called?: Simulation
  executed: Record<string, ExecutedStep>
}

export interface Simulation {
  workflow: string
  triggered: boolean
  jobs: Record<string, JobRun>
  outputs: Record<string, unknown>
}

export interface SimulateOptions {
  oracle: StepOracle
  /** `file:job:step` of run steps executed for real in bash. */
  execute?: string[]
}

export function githubContext(scenario: Scenario): Record<string, unknown> {
  const refName = scenario.ref.replace(/^refs\/(heads|tags)\//, '')
  return {
    event_name: scenario.event,
    ref: scenario.ref,
    ref_name: refName,
    head_ref: scenario.headRef ?? '',
    base_ref: scenario.baseRef ?? '',
    event: scenario.event_payload ?? {},
    repository: scenario.repository ?? 'acme/churn-model',
    actor: scenario.actor ?? 'maintainer',
    server_url: 'https://github.com',
    run_id: '1001',
    run_attempt: '1',
    sha: 'c'.repeat(40),
    token: 'ghs_token'
  }
}

/** GitHub's branch and tag filter patterns: `*` stops at `/`, `**` does not. */
function globToRegExp(pattern: string): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*'
      i++
    } else if (c === '*') source += '[^/]*'
    else if (c === '?') source += '[^/]'
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

/** Whether the scenario's event starts this workflow (event, branch and type filters). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function triggers(doc: any, scenario: Scenario): boolean {
  const on = doc.on
  const events: Record<string, unknown> =
    typeof on === 'string'
      ? { [on]: null }
      : Array.isArray(on)
        ? Object.fromEntries(on.map((e: string) => [e, null]))
        : on
  if (!(scenario.event in events)) return false
  const filter = (events[scenario.event] ?? {}) as Record<string, unknown>
  if (scenario.event === 'push' || scenario.event === 'pull_request') {
    const branch =
      scenario.event === 'push' ? scenario.ref.replace(/^refs\/heads\//, '') : scenario.baseRef
    const isTag = scenario.event === 'push' && scenario.ref.startsWith('refs/tags/')
    const branches = filter.branches as string[] | undefined
    if (isTag) return branches === undefined || filter.tags !== undefined
    if (branches && !branches.some(p => globToRegExp(p).test(branch ?? ''))) return false
  }
  if (scenario.event === 'repository_dispatch') {
    const types = filter.types as string[] | undefined
    const action = (scenario.event_payload ?? {}).action as string | undefined
    if (types && !types.includes(action ?? '')) return false
  }
  return true
}

function jobKey(workflow: string, job: string): string {
  return `${workflow.split('/').pop()}:${job}`
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function needsOf(rawJob: any): string[] {
  const needs = rawJob?.needs
  return needs === undefined ? [] : Array.isArray(needs) ? needs : [needs]
}

/** Resolves `org/mlops-actions/.github/workflows/x.yml@v1` or `./.github/workflows/x.yml`. */
export function calledWorkflowPath(uses: string): string | undefined {
  const local = /^\.\/(\.github\/workflows\/[^@]+)$/.exec(uses)
  if (local) return local[1]
  const remote = new RegExp(`^${FIRST_PARTY}/(\\.github/workflows/[^@]+)@`).exec(uses)
  return remote ? remote[1] : undefined
}

/**
 * The `inputs` context: a called workflow gets its workflow_call inputs, a dispatched one its
 * workflow_dispatch inputs, any other event none.
 */
function inputsWithDefaults(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  doc: any,
  given: Record<string, unknown>,
  trigger: 'workflow_call' | 'workflow_dispatch' | undefined
): Record<string, unknown> {
  if (trigger === undefined) return {}
  const declared = (doc.on?.[trigger]?.inputs ?? {}) as Record<
    string,
    { type?: string; default?: unknown }
  >
  const inputs: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(declared)) {
    const value = name in given ? given[name] : spec.default
    if (value === undefined) continue
    if (spec.type === 'boolean') inputs[name] = value === true || value === 'true'
    else if (spec.type === 'number') inputs[name] = Number(value)
    else inputs[name] = value
  }
  for (const [name, value] of Object.entries(given)) if (!(name in inputs)) inputs[name] = value
  return inputs
}

function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string]
      const body: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i] as string)
      outputs[name] = body.join('\n')
      continue
    }
    const eq = line.indexOf('=')
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return outputs
}

/** Runs a `run:` step as the runner does with `shell: bash`: `bash --noprofile --norc -eo pipefail`. */
export function executeRunStep(
  script: string,
  env: Record<string, string>,
  cwd: string = repoRoot
): ExecutedStep {
  const dir = mkdtempSync(join(tmpdir(), 'wf-step-'))
  try {
    const file = join(dir, 'step.sh')
    const outputFile = join(dir, 'output')
    writeFileSync(file, script)
    writeFileSync(outputFile, '')
    writeFileSync(join(dir, 'summary'), '')
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
      cwd,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: join(dir, 'summary'),
        RUNNER_TEMP: dir,
        ...env
      }
    })
    return {
      exitCode: result.status ?? 1,
      stdout: result.stdout,
      stderr: result.stderr,
      outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(join(dir, 'summary'), 'utf8')
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

interface StepState {
  outputs: Record<string, string>
  outcome: string
  conclusion: string
}

/** A step's `if` as the runner reads it: `success() && (...)` unless it names a status function. */
function stepCondition(condition: string): string {
  const expression = WHOLE.exec(condition)?.[1] ?? condition
  return /\b(success|failure|cancelled|always)\s*\(/.test(expression)
    ? expression
    : `success() && (${expression})`
}

function stringEnv(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
    ])
  )
}

/**
 * Which jobs of `path` run for the scenario, where they deploy, and with which outputs. `inputs`
 * are the workflow's inputs (dispatch or call); defaults are applied from the file.
 */
export async function simulate(
  path: string,
  scenario: Scenario,
  options: SimulateOptions,
  given: Record<string, unknown> = scenario.inputs ?? {},
  called = false
): Promise<Simulation> {
  const file = readWorkflow(path)
  const template = await parseWithGitHub(file)
  const triggered = called || triggers(file.doc, scenario)
  const simulation: Simulation = { workflow: path, triggered, jobs: {}, outputs: {} }
  if (!triggered) return simulation

  const github = githubContext(scenario)
  const trigger = called
    ? 'workflow_call'
    : scenario.event === 'workflow_dispatch'
      ? 'workflow_dispatch'
      : undefined
  const inputs = inputsWithDefaults(file.doc, given, trigger)
  const vars = scenario.vars ?? {}
  const conditions = new Map(template.jobs.map(job => [job.id.value, job.if.expression]))
  const rawJobs = file.doc.jobs as Record<string, Record<string, unknown>>

  const ancestors = (id: string, seen = new Set<string>()): Set<string> => {
    for (const need of needsOf(rawJobs[id])) {
      if (seen.has(need)) continue
      seen.add(need)
      ancestors(need, seen)
    }
    return seen
  }

  const pending = Object.keys(rawJobs)
  while (pending.length > 0) {
    const index = pending.findIndex(id => needsOf(rawJobs[id]).every(n => n in simulation.jobs))
    if (index < 0) throw new Error(`${path}: a needs cycle among ${pending.join(', ')}`)
    const id = pending.splice(index, 1)[0] as string
    const raw = rawJobs[id] as Record<string, unknown>
    const results = [...ancestors(id)].map(a => simulation.jobs[a]?.result)
    const needs = Object.fromEntries(
      needsOf(raw).map(n => [
        n,
        { result: simulation.jobs[n]?.result, outputs: simulation.jobs[n]?.outputs ?? {} }
      ])
    )
    const context = { github, inputs, vars, needs, secrets: scenario.secrets ?? {} }
    const condition = conditions.get(id) ?? 'success()'
    const runs = evaluateCondition(condition, context, {
      success: results.every(r => r === 'success'),
      failure: results.some(r => r === 'failure'),
      cancelled: false
    })
    const run: JobRun = { id, result: runs ? 'success' : 'skipped', outputs: {}, executed: {} }
    simulation.jobs[id] = run
    if (!runs) continue

    const environment = raw.environment as unknown
    const environmentName =
      environment && typeof environment === 'object'
        ? (environment as { name?: unknown }).name
        : environment
    if (environmentName !== undefined)
      run.environment = String(evaluateValue(environmentName, context))
    const concurrency = raw.concurrency as
      { group?: string; 'cancel-in-progress'?: unknown } | string | undefined
    if (concurrency !== undefined) {
      const group = typeof concurrency === 'string' ? concurrency : (concurrency.group ?? '')
      const cancel = typeof concurrency === 'string' ? false : concurrency['cancel-in-progress']
      run.concurrency = {
        group: String(evaluateValue(group, context)),
        cancelInProgress: Boolean(evaluateValue(cancel ?? false, context))
      }
    }

    if (typeof raw.uses === 'string') {
      const calledPath = calledWorkflowPath(raw.uses)
      if (!calledPath) throw new Error(`${path}: ${id} calls ${raw.uses}, not a workflow here`)
      const withValues = Object.fromEntries(
        Object.entries((raw.with ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          evaluateValue(v, context)
        ])
      )
      run.called = await simulate(calledPath, scenario, options, withValues, true)
      if (Object.values(run.called.jobs).some(j => j.result === 'failure')) run.result = 'failure'
      run.outputs = run.called.outputs
      continue
    }

    const steps: Record<string, StepState> = {}
    let stepFailed = false
    for (const step of (raw.steps ?? []) as Record<string, unknown>[]) {
      const stepId = step.id as string | undefined
      if (!stepId) continue
      const stepContext = { ...context, steps }
      if (step.if !== undefined) {
        const runsStep = evaluateCondition(stepCondition(String(step.if)), stepContext, {
          success: !stepFailed,
          failure: stepFailed,
          cancelled: false
        })
        if (!runsStep) {
          steps[stepId] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' }
          continue
        }
      } else if (stepFailed) {
        steps[stepId] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' }
        continue
      }
      const key = `${jobKey(path, id)}:${stepId}`
      if (typeof step.run === 'string' && options.execute?.includes(key)) {
        const env = stringEnv(
          Object.fromEntries(
            Object.entries((step.env ?? {}) as Record<string, unknown>).map(([k, v]) => [
              k,
              evaluateValue(v, stepContext)
            ])
          )
        )
        const executed = executeRunStep(step.run, env)
        run.executed[stepId] = executed
        const outcome = executed.exitCode === 0 ? 'success' : 'failure'
        const tolerated = step['continue-on-error'] === true
        steps[stepId] = {
          outputs: executed.outputs,
          outcome,
          conclusion: tolerated ? 'success' : outcome
        }
        if (outcome === 'failure' && !tolerated) {
          run.result = 'failure'
          stepFailed = true
        }
        continue
      }
      const withValues = Object.fromEntries(
        Object.entries((step.with ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          evaluateValue(v, stepContext)
        ])
      )
      const { [FAILED_STEP]: forced, ...outputs } = options.oracle({
        workflow: path,
        job: id,
        stepId,
        uses: step.uses as string | undefined,
        with: withValues,
        github
      })
      const outcome = forced === 'failure' ? 'failure' : 'success'
      const tolerated = step['continue-on-error'] === true
      steps[stepId] = { outputs, outcome, conclusion: tolerated ? 'success' : outcome }
      if (outcome === 'failure' && !tolerated) {
        run.result = 'failure'
        stepFailed = true
      }
    }
    const failing = scenario.failing ?? []
    if (failing.includes(id) || failing.includes(jobKey(path, id))) run.result = 'failure'
    const outputContext = { ...context, steps }
    run.outputs = Object.fromEntries(
      Object.entries((raw.outputs ?? {}) as Record<string, unknown>).map(([k, v]) => [
        k,
        evaluateValue(v, outputContext)
      ])
    )
  }

  const declaredOutputs = (file.doc.on?.workflow_call?.outputs ?? {}) as Record<
    string,
    { value?: string }
  >
  const jobsContext = Object.fromEntries(
    Object.entries(simulation.jobs).map(([k, j]) => [k, { result: j.result, outputs: j.outputs }])
  )
  simulation.outputs = Object.fromEntries(
    Object.entries(declaredOutputs).map(([k, spec]) => [
      k,
      evaluateValue(spec.value ?? '', { github, inputs, vars, jobs: jobsContext })
    ])
  )
  return simulation
}

/** Jobs that ran, as `job` or `caller/called-job`, with the environment each deployed to. */
export function ranJobs(simulation: Simulation, prefix = ''): Record<string, string | null> {
  const ran: Record<string, string | null> = {}
  for (const job of Object.values(simulation.jobs)) {
    if (job.result === 'skipped') continue
    if (job.called) Object.assign(ran, ranJobs(job.called, `${prefix}${job.id}/`))
    else ran[`${prefix}${job.id}`] = job.environment ?? null
  }
  return ran
}

/** A step of a workflow, for tests that run its script. */
export function workflowStep(
  path: string,
  job: string,
  stepId: string
): { run: string; env: Record<string, unknown> } {
  const steps = (readWorkflow(path).doc.jobs[job]?.steps ?? []) as Record<string, unknown>[]
  const step = steps.find(s => s.id === stepId)
  if (!step || typeof step.run !== 'string')
    throw new Error(`${path}: no run step ${job}.${stepId}`)
  return { run: step.run, env: (step.env ?? {}) as Record<string, unknown> }
}

/**
 * Runs a step's script with the values its `env:` would give it. Only variables the step
 * declares (and the runner's own GITHUB_ and RUNNER_ variables, PATH, and STUB_ variables of
 * the test's stand-in programs) may be given, so a test cannot hand a script something the
 * workflow does not.
 */
export function runWorkflowStep(
  path: string,
  job: string,
  stepId: string,
  env: Record<string, string>,
  cwd?: string
): ExecutedStep {
  const step = workflowStep(path, job, stepId)
  for (const name of Object.keys(env))
    if (!(name in step.env) && !/^(GITHUB_|RUNNER_|STUB_)/.test(name) && name !== 'PATH')
      throw new Error(`${path}: ${job}.${stepId} declares no env ${name}`)
  return executeRunStep(step.run, env, cwd)
}

/** Every job that ran with an environment, through reusable workflow calls. */
export function deployingJobs(simulation: Simulation): JobRun[] {
  return Object.values(simulation.jobs).flatMap(job =>
    job.result === 'skipped'
      ? []
      : job.called
        ? deployingJobs(job.called)
        : job.environment !== undefined
          ? [job]
          : []
  )
}

export function relativeToRoot(path: string): string {
  return relative(repoRoot, path)
}
