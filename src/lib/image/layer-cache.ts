import { createHash, randomUUID } from 'node:crypto'
import { constants } from 'node:fs'
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LayerEntry } from './layer-tar.js'

/**
 * Where the cache lives unless told: the runner's tool cache, which a self-hosted runner keeps
 * between jobs (so an unchanged model is not re-read), else the job's temporary directory. Never
 * a shared, predictable /tmp path that another user of the machine could prepare.
 */
export function defaultLayerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.RUNNER_TOOL_CACHE ||
    env.RUNNER_TEMP ||
    join(tmpdir(), `mlops-actions-${process.getuid?.() ?? 'user'}`)
  return join(base, 'mlops-actions', 'layer-cache')
}

export interface CachedLayer {
  digest: string
  diffId: string
  size: number
  uncompressedSize: number
}

/**
 * Remembers the digests of a layer built from a tree whose every entry has the same path, type,
 * mode, size, inode and nanosecond mtime (the stat check git's index uses), so a re-run with
 * nothing changed needs no re-read of a large model to learn that the registry has it already.
 * The tar writer re-checks each file after reading it, so a file changed mid-build is never
 * recorded under its old stat.
 */
export class LayerCache {
  constructor(
    private readonly dir: string,
    private readonly warn: (message: string) => void = () => {}
  ) {}

  key(entries: LayerEntry[], settings: Record<string, unknown>): string {
    const hash = createHash('sha256').update(JSON.stringify({ format: 1, settings }))
    for (const entry of entries) {
      hash.update(
        `${entry.path}\0${entry.type}\0${entry.mode}\0${entry.size}\0${entry.ino ?? ''}\0${entry.mtimeNs ?? ''}\0${entry.linkname ?? ''}\n`
      )
    }
    return hash.digest('hex')
  }

  async get(key: string): Promise<CachedLayer | undefined> {
    if (!(await this.trusted())) return undefined
    try {
      // O_NOFOLLOW: an entry that is a symbolic link is not ours, whatever it points at.
      const file = await open(
        join(this.dir, `${key}.json`),
        constants.O_RDONLY | constants.O_NOFOLLOW
      )
      const value = JSON.parse(
        await file.readFile('utf8').finally(() => file.close())
      ) as CachedLayer
      return /^sha256:[0-9a-f]{64}$/.test(value.digest) &&
        /^sha256:[0-9a-f]{64}$/.test(value.diffId)
        ? value
        : undefined
    } catch {
      return undefined
    }
  }

  async put(key: string, value: CachedLayer): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    if (!(await this.trusted())) return
    // An unpredictable name created exclusively: nothing prepared in advance is written through.
    const temp = join(this.dir, `${key}.${randomUUID()}.tmp`)
    const file = await open(temp, 'wx', 0o600)
    try {
      await file.writeFile(JSON.stringify(value))
    } finally {
      await file.close()
    }
    await rename(temp, join(this.dir, `${key}.json`)).catch(async error => {
      await rm(temp, { force: true })
      throw error
    })
  }

  /**
   * The cache is used only when its directory is a real directory (not a link), owned by this
   * user and closed to everyone else (0700): otherwise another user of a shared runner could
   * plant entries that make a build skip its upload.
   */
  private async trusted(): Promise<boolean> {
    let stats
    try {
      stats = await lstat(this.dir)
    } catch {
      return false
    }
    const uid = process.getuid?.()
    const problem = !stats.isDirectory()
      ? 'is not a directory'
      : uid !== undefined && stats.uid !== uid
        ? `is owned by uid ${stats.uid}, not ${uid}`
        : (stats.mode & 0o077) !== 0
          ? `is open to other users (mode ${(stats.mode & 0o777).toString(8)})`
          : undefined
    if (problem) this.warn(`The layer cache ${this.dir} ${problem}; building without it.`)
    return problem === undefined
  }
}
