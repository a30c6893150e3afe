import { constants } from 'node:fs'
import { access, readFile, realpath, stat, writeFile } from 'node:fs/promises'
import { delimiter, isAbsolute, join } from 'node:path'
import type { CommandResult, CommandRunner } from '../command.js'
import { CommandError } from '../command.js'
import { UserError } from '../errors.js'

export interface HelmVersion {
  /** As Helm prints it, e.g. `v3.17.3`. */
  text: string
  major: number
  minor: number
  patch: number
}

export interface HelmOptions {
  /** `helm` (found on PATH) or a path to the binary. */
  path: string
  /** The environment Helm runs in: the runner's, with KUBECONFIG pointing at the chosen file. */
  env: NodeJS.ProcessEnv
  runner: CommandRunner
  /**
   * A JSON file remembering the version of each binary (by path, size and mtime), so that the
   * steps of a job after the first skip `helm version`, which costs as much as a cluster read.
   */
  versionCacheFile?: string
}

/** A Helm command that failed: what Helm said, without Helm's `Error: ` prefix. */
export class HelmError extends UserError {
  override name = 'HelmError'
  constructor(
    readonly args: readonly string[],
    readonly result: CommandResult
  ) {
    super(`helm ${args.slice(0, 2).join(' ')} failed: ${helmMessage(result)}`)
  }
}

/** The last lines Helm wrote to stderr (or stdout), which carry its reason. */
export function helmMessage(result: CommandResult): string {
  const text = (result.stderr.trim() || result.stdout.trim()).replace(/^Error: /gm, '')
  return text.split('\n').slice(-5).join('\n') || `exit code ${result.code}`
}

/** Helm says this, in both versions, when a release has no record at all. */
export function isReleaseNotFound(result: CommandResult): boolean {
  return /release: not found/.test(result.stderr)
}

/**
 * One Helm binary in one environment. The version is asked once, lazily, so callers can ask it
 * alongside their first cluster read instead of before it.
 */
export class Helm {
  private versionPromise: Promise<HelmVersion> | undefined

  constructor(private readonly options: HelmOptions) {}

  get path(): string {
    return this.options.path
  }

  version(): Promise<HelmVersion> {
    this.versionPromise ??= this.cachedVersion()
    return this.versionPromise
  }

  private async cachedVersion(): Promise<HelmVersion> {
    const cacheFile = this.options.versionCacheFile
    const key = cacheFile
      ? await binaryKey(this.options.path, this.options.env.PATH ?? '')
      : undefined
    const cache = cacheFile && key ? await readCache(cacheFile) : {}
    const known = key ? cache[key] : undefined
    if (known) return known
    const version = await this.detectVersion()
    if (cacheFile && key) {
      await writeFile(cacheFile, JSON.stringify({ ...cache, [key]: version }), {
        mode: 0o600
      }).catch(() => undefined)
    }
    return version
  }

  /** Runs Helm; a non-zero exit throws a HelmError carrying Helm's message. */
  async run(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<CommandResult> {
    const result = await this.attempt(args, options)
    if (result.code !== 0) throw new HelmError(args, result)
    return result
  }

  /** Runs Helm and returns whatever happened, for callers that judge the exit themselves. */
  attempt(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<CommandResult> {
    return this.options.runner(this.options.path, args, {
      env: this.options.env,
      check: false,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {})
    })
  }

  private async detectVersion(): Promise<HelmVersion> {
    let result: CommandResult
    try {
      result = await this.options.runner(
        this.options.path,
        ['version', '--template', '{{.Version}}'],
        {
          env: this.options.env,
          check: false
        }
      )
    } catch (error) {
      if (error instanceof CommandError) throw new HelmError(['version'], error.result)
      throw error
    }
    const version = parseHelmVersion(result.stdout)
    if (result.code !== 0 || !version) {
      throw new UserError(
        `Cannot tell which Helm ${this.options.path} is: \`helm version\` said ${JSON.stringify((result.stdout + result.stderr).trim().slice(0, 200))}. Helm 3 or 4 is needed.`
      )
    }
    if (version.major < 3 || version.major > 4) {
      throw new UserError(
        `Helm ${version.text} is not supported: use Helm 3 (3.8 or later) or Helm 4.`
      )
    }
    return version
  }
}

export function parseHelmVersion(text: string): HelmVersion | undefined {
  const match = /v?(\d+)\.(\d+)\.(\d+)[^\s]*/.exec(text.trim())
  if (!match) return undefined
  return {
    text: match[0].startsWith('v') ? match[0] : `v${match[0]}`,
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3])
  }
}

/** The binary's identity: its real path, size and modification time; undefined if not found. */
async function binaryKey(path: string, searchPath: string): Promise<string | undefined> {
  const candidates = path.includes('/')
    ? [path]
    : searchPath
        .split(delimiter)
        .filter(isAbsolute)
        .map(dir => join(dir, path))
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK)
      const real = await realpath(candidate)
      const info = await stat(real)
      if (info.isFile()) return `${real}:${info.size}:${info.mtimeMs}`
    } catch {
      // Not this one: try the next directory on PATH.
    }
  }
  return undefined
}

async function readCache(file: string): Promise<Record<string, HelmVersion>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'))
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, HelmVersion>) : {}
  } catch {
    return {}
  }
}

/** Helm's answer when the latest revision is pending: the same words in Helm 3 and Helm 4. */
export function isPendingRefusal(result: CommandResult): boolean {
  return /another operation \(install\/upgrade\/rollback\) is in progress/.test(result.stderr)
}
