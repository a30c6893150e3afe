import { spawn } from 'node:child_process'
import { UserError } from './errors.js'

export interface CommandOptions {
  cwd?: string
  /** Replaces the environment when given; merge with process.env yourself to extend it. */
  env?: NodeJS.ProcessEnv
  /** Written to the program's standard input, then closed. */
  input?: string | Buffer
  /** Killed (SIGTERM, then SIGKILL after 5 s) when it runs longer. */
  timeoutMs?: number
  /** When false, a non-zero exit is returned rather than thrown. Default true. */
  check?: boolean
  /** Called with each complete line the program prints, for live progress. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void
}

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
  durationMs: number
}

/** A program that exited badly: carries what it printed so callers can explain why. */
export class CommandError extends Error {
  override name = 'CommandError'
  constructor(
    readonly file: string,
    readonly args: readonly string[],
    readonly result: CommandResult
  ) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join('\n')
    super(`${file} ${args[0] ?? ''} exited with code ${result.code}${detail ? `: ${detail}` : ''}`)
  }
}

/** The program could not be started at all (not installed, not executable). */
export class CommandNotFoundError extends UserError {
  override name = 'CommandNotFoundError'
}

/**
 * Runs a program with an argument array. There is no shell anywhere on this path: user text in
 * `args` reaches the program as one argument each, whatever characters it holds.
 */
export type CommandRunner = (
  file: string,
  args: readonly string[],
  options?: CommandOptions
) => Promise<CommandResult>

export const runCommand: CommandRunner = (file, args, options = {}) =>
  new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn(file, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe']
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    const pending = { stdout: '', stderr: '' }
    const collect = (stream: 'stdout' | 'stderr', sink: Buffer[]) => (chunk: Buffer) => {
      sink.push(chunk)
      if (!options.onLine) return
      const lines = (pending[stream] + chunk.toString('utf8')).split('\n')
      pending[stream] = lines.pop() ?? ''
      for (const line of lines) options.onLine(line, stream)
    }
    child.stdout.on('data', collect('stdout', out))
    child.stderr.on('data', collect('stderr', err))

    let timer: NodeJS.Timeout | undefined
    let timedOut = false
    if (options.timeoutMs) {
      timer = setTimeout(() => {
        timedOut = true
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 5000).unref()
      }, options.timeoutMs)
    }

    child.on('error', error => {
      if (timer) clearTimeout(timer)
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'EACCES') {
        reject(
          new CommandNotFoundError(
            `Cannot run "${file}": ${code === 'ENOENT' ? 'not found' : 'permission denied'}. Is it installed and on PATH?`
          )
        )
      } else reject(error)
    })
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer)
      if (options.onLine) {
        for (const stream of ['stdout', 'stderr'] as const) {
          if (pending[stream]) options.onLine(pending[stream], stream)
        }
      }
      const result: CommandResult = {
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr:
          Buffer.concat(err).toString('utf8') +
          (timedOut ? `\n(killed after ${options.timeoutMs} ms)` : ''),
        durationMs: Date.now() - started
      }
      if (result.code !== 0 && options.check !== false) reject(new CommandError(file, args, result))
      else resolve(result)
    })

    child.stdin.on('error', () => {
      // The program may exit without reading its input; that is its business, not an error here.
    })
    if (options.input !== undefined) child.stdin.end(options.input)
    else child.stdin.end()
  })
