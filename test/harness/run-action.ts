/**
 * Runs a bundled action as the GitHub runner does: `node24` on dist/<name>/index.js with
 * `INPUT_*` variables (action.yml defaults included, names upper-cased with hyphens kept),
 * pre-created GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_STATE / GITHUB_ENV / GITHUB_PATH files,
 * an event JSON, and the `post:` step with `STATE_*` from what the main step saved.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The runner runs actions on Node 24 (`runs.using: node24`); the npm `node@24` package provides it. */
export const node24 = join(repoRoot, 'node_modules', 'node', 'bin', 'node')

export interface WorkflowCommand {
  command: string
  properties: Record<string, string>
  message: string
}

export interface StepResult {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  state: Record<string, string>
  exportedEnv: Record<string, string>
  commands: WorkflowCommand[]
  errors: string[]
  warnings: string[]
  masks: string[]
}

export interface ActionRun extends StepResult {
  post?: StepResult
}

export interface RunActionOptions {
  inputs?: Record<string, string>
  env?: Record<string, string | undefined>
  event?: unknown
  eventName?: string
  workspace?: string
  /** Run the `post:` step after the main step when the action has one (default true). */
  post?: boolean
  timeoutMs?: number
  /**
   * Cancels the main step as the runner does when the run is cancelled or the step times out:
   * SIGINT once `when` is true of what it printed so far, SIGTERM 7.5 s later if it still runs;
   * the post step runs afterwards (post-if: always()).
   */
  cancel?: { when: (stdout: string) => boolean }
}

interface ActionMetadata {
  inputs?: Record<string, { default?: string; required?: boolean }>
  runs: { using: string; main: string; post?: string; 'post-if'?: string }
}

export function actionYamlPath(name: string): string {
  return name === 'deploy'
    ? join(repoRoot, 'deploy', 'action.yml')
    : join(repoRoot, 'actions', name, 'action.yml')
}

export function readActionMetadata(name: string): ActionMetadata {
  return parseYaml(readFileSync(actionYamlPath(name), 'utf8')) as ActionMetadata
}

export async function runActionBundle(
  name: string,
  options: RunActionOptions = {}
): Promise<ActionRun> {
  const metadata = readActionMetadata(name)
  if (metadata.runs.using !== 'node24')
    throw new Error(`${name}: runs.using is ${metadata.runs.using}, not node24`)
  const actionDir = dirname(actionYamlPath(name))
  const dir = mkdtempSync(join(tmpdir(), `run-${name}-`))
  const workspace = options.workspace ?? join(dir, 'workspace')
  const runnerTemp = join(dir, 'runner-temp')
  for (const d of [workspace, runnerTemp])
    await import('node:fs').then(fs => fs.mkdirSync(d, { recursive: true }))
  const eventPath = join(dir, 'event.json')
  writeFileSync(eventPath, JSON.stringify(options.event ?? {}))
  const token = options.env?.GITHUB_TOKEN ?? 'ghs_harnessToken0000000000000000000000'

  const inputEnv: Record<string, string> = {}
  for (const [input, spec] of Object.entries(metadata.inputs ?? {})) {
    const given = options.inputs?.[input]
    const value = given ?? evaluateDefault(spec.default ?? '', token)
    inputEnv[`INPUT_${input.replace(/ /g, '_').toUpperCase()}`] = value
  }
  for (const input of Object.keys(options.inputs ?? {})) {
    if (!(input in (metadata.inputs ?? {})))
      throw new Error(`${name} has no input "${input}" in action.yml`)
  }

  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'acme/model-repo',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_SHA: '0000000000000000000000000000000000000000',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: options.eventName ?? 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:9/unreachable',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKFLOW: 'test',
    GITHUB_JOB: 'test',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: join(dir, 'tool-cache')
  }
  const env = { ...baseEnv, ...inputEnv, ...stripUndefined(options.env ?? {}) }
  const main = await runStep(
    join(actionDir, metadata.runs.main),
    env,
    dir,
    'main',
    options.timeoutMs,
    options.cancel
  )
  const result: ActionRun = main
  if (metadata.runs.post && options.post !== false) {
    const stateEnv = Object.fromEntries(
      Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v])
    )
    result.post = await runStep(
      join(actionDir, metadata.runs.post),
      { ...env, ...stateEnv },
      dir,
      'post',
      options.timeoutMs
    )
  }
  return result
}

/** The runner evaluates `${{ github.token }}` in defaults; nothing else is used in ours. */
function evaluateDefault(value: string, token: string): string {
  return value.replace(/\$\{\{\s*github\.token\s*\}\}/g, token)
}

function stripUndefined(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)
  )
}

async function runStep(
  script: string,
  env: Record<string, string>,
  dir: string,
  step: string,
  timeoutMs = 120_000,
  cancel?: RunActionOptions['cancel']
): Promise<StepResult> {
  if (!existsSync(script)) throw new Error(`${script} does not exist: run npm run bundle`)
  const files = {
    GITHUB_OUTPUT: join(dir, `${step}-output`),
    GITHUB_STEP_SUMMARY: join(dir, `${step}-summary.md`),
    GITHUB_STATE: join(dir, `${step}-state`),
    GITHUB_ENV: join(dir, `${step}-env`),
    GITHUB_PATH: join(dir, `${step}-path`)
  }
  for (const file of Object.values(files)) writeFileSync(file, '')
  const child = spawn(existsSync(node24) ? node24 : process.execPath, [script], {
    cwd: env.GITHUB_WORKSPACE,
    env: { ...env, ...files },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  let cancelled = false
  let terminate: NodeJS.Timeout | undefined
  child.stdout.on('data', chunk => {
    stdout += chunk
    if (cancel && !cancelled && cancel.when(stdout)) {
      cancelled = true
      child.kill('SIGINT')
      terminate = setTimeout(() => child.kill('SIGTERM'), 7500)
    }
  })
  child.stderr.on('data', chunk => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const exitCode: number = await new Promise(done => child.on('close', code => done(code ?? 137)))
  clearTimeout(timer)
  clearTimeout(terminate)
  const commands = parseCommands(stdout)
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    state: parseFileCommand(readFileSync(files.GITHUB_STATE, 'utf8')),
    exportedEnv: parseFileCommand(readFileSync(files.GITHUB_ENV, 'utf8')),
    commands,
    errors: commands.filter(c => c.command === 'error').map(c => c.message),
    warnings: commands.filter(c => c.command === 'warning').map(c => c.message),
    masks: commands.filter(c => c.command === 'add-mask').map(c => c.message)
  }
}

/** `name<<DELIMITER\nvalue\nDELIMITER` blocks and `name=value` lines, as the runner reads them. */
export function parseFileCommand(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, key, delimiter] = heredoc as unknown as [string, string, string]
      const body: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i] as string)
      values[key] = body.join('\n')
    } else if (line.includes('=')) {
      const at = line.indexOf('=')
      values[line.slice(0, at)] = line.slice(at + 1)
    }
  }
  return values
}

const unescapeData = (s: string) =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
const unescapeProperty = (s: string) => unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',')

export function parseCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = []
  for (const line of stdout.split('\n')) {
    const match = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line)
    if (!match) continue
    const properties: Record<string, string> = {}
    for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
      const at = pair.indexOf('=')
      properties[pair.slice(0, at)] = unescapeProperty(pair.slice(at + 1))
    }
    commands.push({
      command: match[1] as string,
      properties,
      message: unescapeData(match[3] ?? '')
    })
  }
  return commands
}
