// A real Prometheus (Debian's /usr/bin/prometheus) on 127.0.0.1 with a 1 s scrape and rule
// evaluation interval, its config, rules and data in a temp dir that is removed when it stops.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './registry.js'

export interface ScrapeJob {
  job: string
  /** `host:port` of each metrics endpoint (scraped at /metrics unless metricsPath says otherwise). */
  targets?: string[]
  /**
   * A file of targets in Prometheus's file_sd JSON format, re-read when it changes: for targets
   * that come and go (the demo's pods). Used instead of `targets`.
   */
  fileSd?: string
  /** Labels added to every series of the job, such as `{ track: 'canary' }`. */
  labels?: Record<string, string>
  metricsPath?: string
}

export interface PrometheusOptions {
  jobs: ScrapeJob[]
  /** The content of a rules file (alerting or recording rules, Prometheus YAML), if any. */
  rules?: string
  scrapeIntervalSeconds?: number
}

export interface TestPrometheus {
  url: string
  port: number
  dir: string
  /** Resolves once `query` gives at least one series, polling every 250 ms up to `timeoutMs`. */
  waitForSeries(query: string, timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

const BINARY = '/usr/bin/prometheus'

export async function startPrometheus(options: PrometheusOptions): Promise<TestPrometheus> {
  if (!existsSync(BINARY)) {
    throw new Error(
      'Prometheus is not installed: run `apt-get install -y prometheus` (or `node scripts/setup.mjs`).'
    )
  }
  const dir = await mkdtemp(join(tmpdir(), 'prometheus-'))
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`
  const rulesFile = join(dir, 'rules.yml')
  if (options.rules !== undefined) await writeFile(rulesFile, options.rules)
  const config = join(dir, 'prometheus.yml')
  await writeFile(config, renderConfig(options, interval, rulesFile))
  // A port can be taken between choosing and binding: try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    const child = spawn(
      BINARY,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        '--storage.tsdb.retention.time=1h'
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] }
    )
    let stderr = ''
    child.stderr!.on('data', chunk => (stderr += String(chunk)))
    const url = `http://127.0.0.1:${port}`
    if (await waitReady(child, `${url}/-/ready`)) {
      return {
        url,
        port,
        dir,
        waitForSeries: (query, timeoutMs) => waitForSeries(url, query, timeoutMs),
        stop: () => stop(child, dir)
      }
    }
    child.kill('SIGKILL')
    if (!/address already in use/.test(stderr)) {
      await rm(dir, { recursive: true, force: true })
      throw new Error(`Prometheus did not start: ${stderr.trim().slice(-800)}`)
    }
  }
  await rm(dir, { recursive: true, force: true })
  throw new Error('Prometheus found no free port')
}

function renderConfig(options: PrometheusOptions, interval: string, rulesFile: string): string {
  const lines = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    `  scrape_timeout: ${interval}`
  ]
  if (options.rules !== undefined) lines.push('rule_files:', `  - ${JSON.stringify(rulesFile)}`)
  lines.push('scrape_configs:')
  for (const job of options.jobs) {
    lines.push(`  - job_name: ${JSON.stringify(job.job)}`)
    if (job.metricsPath) lines.push(`    metrics_path: ${JSON.stringify(job.metricsPath)}`)
    if (job.fileSd) {
      lines.push(
        '    file_sd_configs:',
        `      - files: [${JSON.stringify(job.fileSd)}]`,
        '        refresh_interval: 1s'
      )
      continue
    }
    lines.push('    static_configs:', `      - targets: ${JSON.stringify(job.targets ?? [])}`)
    if (job.labels && Object.keys(job.labels).length) {
      lines.push('        labels:')
      for (const [key, value] of Object.entries(job.labels))
        lines.push(`          ${key}: ${JSON.stringify(value)}`)
    }
  }
  return `${lines.join('\n')}\n`
}

async function waitReady(child: ChildProcess, url: string): Promise<boolean> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(url)
      if (response.status === 200) return true
    } catch {
      // Not listening yet.
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return false
}

async function waitForSeries(url: string, query: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query })}`)
      last = await response.text()
      const body = JSON.parse(last) as { data?: { result?: unknown[] } }
      if ((body.data?.result?.length ?? 0) > 0) return
    } catch (error) {
      last = String(error)
    }
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  throw new Error(
    `Prometheus had no series for ${query} within ${timeoutMs} ms; last answer: ${last.slice(0, 300)}`
  )
}

async function stop(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    await Promise.race([exited, new Promise(resolve => (timer = setTimeout(resolve, 5000)))])
    clearTimeout(timer)
    if (child.exitCode === null) child.kill('SIGKILL')
  }
  await rm(dir, { recursive: true, force: true })
}
