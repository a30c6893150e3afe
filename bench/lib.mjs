// Shared helpers for the benchmarks: timing of whole commands with a bare environment (this
// machine sets NODE_EXTRA_CA_CERTS, which adds ~90 ms to every Node start), medians, and tables.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const node24 = existsSync(join(root, 'node_modules/node/bin/node'))
  ? join(root, 'node_modules/node/bin/node')
  : process.execPath

export const bareEnv = (extra = {}) => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME ?? '/root',
  ...extra
})

/** Runs a command `runs` times (after one warm-up) and returns the median wall time in ms. */
export function medianMs(file, args, { runs = 11, env = bareEnv(), cwd, expectExit } = {}) {
  const times = []
  for (let i = 0; i <= runs; i++) {
    const start = process.hrtime.bigint()
    const result = spawnSync(file, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] })
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    if (expectExit !== undefined && result.status !== expectExit) {
      throw new Error(`${file} ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
    }
    if (i > 0) times.push(ms)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

/** Peak resident memory of one run, in MiB, from GNU time. */
export function peakRssMiB(file, args, { env = bareEnv(), cwd } = {}) {
  const result = spawnSync('/usr/bin/time', ['-f', '%M', file, ...args], {
    env,
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe']
  })
  const kib = Number(result.stderr.trim().split('\n').pop())
  return kib / 1024
}

export function table(headers, rows) {
  const line = cells => `| ${cells.join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n')
}

export const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : String(n))
