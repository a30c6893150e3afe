// Drives the example model repository (examples/model-repo) from tests, benchmarks and the demo:
// train it, run its pytest suite, start its server, send it traffic, prepare an image context.
// Everything runs through Debian's /usr/bin/python3, the interpreter that has scikit-learn,
// pytest and prometheus_client (the `python3` first on PATH here does not).
import { spawn } from 'node:child_process'
import { access, copyFile, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCommand, type CommandResult } from '../../src/lib/command.js'

export const PYTHON = '/usr/bin/python3'
export const MODEL_REPO = fileURLToPath(new URL('../../examples/model-repo/', import.meta.url))
export const CHART_DIR = join(MODEL_REPO, 'chart')
const BUSYBOX = '/bin/busybox'
const INSTALL = 'apt-get install -y python3-sklearn python3-pytest python3-prometheus-client'

export type Metrics = Record<string, number>

/**
 * A clean environment: no FAULT_* or TRACK leaks in from the caller's, and no bytecode written
 * into the repository.
 */
export function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'C.UTF-8',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    ...extra
  }
}

/** Fails with the install command when the Python side is missing, never skips. */
export async function assertPythonReady(): Promise<void> {
  const check = 'import sklearn, pytest, prometheus_client, numpy'
  const result = await runCommand(PYTHON, ['-c', check], { env: pythonEnv(), check: false }).catch(
    (error: Error) => ({ code: -1, stdout: '', stderr: error.message, durationMs: 0 })
  )
  if (result.code !== 0) {
    throw new Error(
      `${PYTHON} cannot import scikit-learn, pytest and prometheus_client ` +
        `(${result.stderr.trim().split('\n').pop() ?? ''}). Install them with: ${INSTALL}`
    )
  }
}

export interface TrainOptions {
  /** Share of training rows relabelled (0..1): a deliberately worse model. */
  degrade?: number
  /** 0 leaves the latency metrics out, for a byte-identical metrics.json. */
  latencySamples?: number
}

/** Trains into outputDir (model/ and metrics.json) and returns the metrics. */
export async function trainModel(outputDir: string, options: TrainOptions = {}): Promise<Metrics> {
  const args = ['train.py', '--output-dir', outputDir]
  if (options.degrade !== undefined) args.push('--degrade', String(options.degrade))
  if (options.latencySamples !== undefined) {
    args.push('--latency-samples', String(options.latencySamples))
  }
  await runCommand(PYTHON, args, { cwd: MODEL_REPO, env: pythonEnv(), timeoutMs: 60_000 })
  return JSON.parse(await readFile(join(outputDir, 'metrics.json'), 'utf8')) as Metrics
}

/** The repository's pytest suite against trained artifacts; a failing run is returned. */
export function runModelTests(
  artifactsDir: string,
  junitPath: string,
  env: Record<string, string> = {}
): Promise<CommandResult> {
  return runCommand(
    PYTHON,
    ['-m', 'pytest', `--artifacts=${artifactsDir}`, `--junitxml=${junitPath}`, '-q'],
    { cwd: MODEL_REPO, env: pythonEnv(env), check: false, timeoutMs: 120_000 }
  )
}

/** Rows of the held-out split, as the server's `features` lists. */
export async function sampleRows(count: number): Promise<number[][]> {
  const script =
    'import json, classifier; s = classifier.load_split(); ' +
    `print(json.dumps([list(map(float, r)) for r in s.x_test[:${count}]]))`
  const { stdout } = await runCommand(PYTHON, ['-c', script], { cwd: MODEL_REPO, env: pythonEnv() })
  return JSON.parse(stdout) as number[][]
}

export interface ModelServer {
  url: string
  track: string
  stop(): Promise<void>
}

export interface ServerOptions {
  modelDir: string
  track?: 'stable' | 'canary'
  /** FAULT_* and other variables for serve.py. */
  env?: Record<string, string>
}

const START_TIMEOUT_MS = 20_000

/** Starts serve.py on 127.0.0.1 and a port the system picks; resolves once it listens. */
export function startModelServer(options: ServerOptions): Promise<ModelServer> {
  const track = options.track ?? 'stable'
  const child = spawn(
    PYTHON,
    ['serve.py', '--host', '127.0.0.1', '--port', '0', '--model-dir', options.modelDir],
    { cwd: MODEL_REPO, env: pythonEnv({ TRACK: track, ...options.env }), stdio: 'pipe' }
  )
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(killer)
  }
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))

  return new Promise((resolve, reject) => {
    let stdout = ''
    let settled = false
    const fail = (why: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void stop().then(() => reject(new Error(`serve.py ${why}: ${stderr.trim()}`)))
    }
    const timer = setTimeout(
      () => fail(`did not listen within ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS
    )
    child.once('error', error => fail(`could not start (${error.message})`))
    child.once('exit', code => fail(`exited with code ${code} before listening`))
    child.stdout.on('data', (chunk: Buffer) => {
      if (settled) return
      stdout += chunk.toString('utf8')
      const newline = stdout.indexOf('\n')
      if (newline < 0) return
      settled = true
      clearTimeout(timer)
      // serve.py's first line says where it listens (it was given port 0).
      const { listening } = JSON.parse(stdout.slice(0, newline)) as { listening: string }
      resolve({ url: listening, track, stop })
    })
  })
}

/** The exit code and stderr of serve.py when it refuses to start (bad settings). */
export async function serveRefusal(
  modelDir: string,
  env: Record<string, string>
): Promise<CommandResult> {
  return runCommand(PYTHON, ['serve.py', '--port', '0', '--model-dir', modelDir], {
    cwd: MODEL_REPO,
    env: pythonEnv(env),
    check: false,
    timeoutMs: 20_000
  })
}

export interface LoadSummary {
  duration_s: number
  rate_per_url: number
  targets: Record<
    string,
    {
      sent: number
      codes: Record<string, number>
      transport_errors: number
      latency_p50_ms: number | null
      latency_p95_ms: number | null
    }
  >
}

export interface LoadOptions {
  rate: number
  durationS: number
  maxRequests?: number
}

/** loadgen.py: `rate` requests per second to each URL, bounded by duration and count. */
export async function sendLoad(urls: string[], options: LoadOptions): Promise<LoadSummary> {
  const args = [
    'loadgen.py',
    '--rate',
    String(options.rate),
    '--duration',
    String(options.durationS)
  ]
  if (options.maxRequests !== undefined) args.push('--max-requests', String(options.maxRequests))
  for (const url of urls) args.push('--url', url)
  const timeoutMs = (options.durationS + 30) * 1000
  const { stdout } = await runCommand(PYTHON, args, {
    cwd: MODEL_REPO,
    env: pythonEnv(),
    timeoutMs
  })
  return JSON.parse(stdout) as LoadSummary
}

const IMAGE_SOURCES = [
  'Containerfile.test',
  'Dockerfile',
  '.dockerignore',
  'requirements.txt',
  'classifier.py',
  'train.py',
  'serve.py'
]

export interface ImageContext {
  context: string
  containerfile: string
}

/**
 * A build context for Containerfile.test, which builds offline: the repository's sources, a
 * freshly trained model and Debian's static busybox as the only binary of the image.
 */
export async function prepareImageContext(
  dir: string,
  options: TrainOptions = {}
): Promise<ImageContext> {
  await access(BUSYBOX).catch(() => {
    throw new Error(`${BUSYBOX} is missing. Install it with: apt-get install -y busybox-static`)
  })
  await mkdir(dir, { recursive: true })
  for (const file of IMAGE_SOURCES) await copyFile(join(MODEL_REPO, file), join(dir, file))
  await trainModel(dir, options)
  await copyFile(BUSYBOX, join(dir, 'busybox'))
  return { context: dir, containerfile: join(dir, 'Containerfile.test') }
}

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The samples of a Prometheus text exposition (comments skipped). */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (!match || line.startsWith('#')) continue
    const labels: Record<string, string> = {}
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) })
  }
  return samples
}

/** The value of the one sample with that name whose labels include `labels`. */
export function sampleValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {}
): number {
  const found = samples.filter(
    sample =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
  )
  if (found.length !== 1) {
    throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`)
  }
  return found[0]!.value
}
