import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LayerEntry } from './layer-tar.js'

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
  constructor(private readonly dir: string) {}

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
    try {
      const value = JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')) as CachedLayer
      return /^sha256:[0-9a-f]{64}$/.test(value.digest) &&
        /^sha256:[0-9a-f]{64}$/.test(value.diffId)
        ? value
        : undefined
    } catch {
      return undefined
    }
  }

  async put(key: string, value: CachedLayer): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    const temp = join(this.dir, `${key}.${process.pid}.tmp`)
    await writeFile(temp, JSON.stringify(value))
    await rename(temp, join(this.dir, `${key}.json`))
  }
}
