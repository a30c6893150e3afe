import { createHash } from 'node:crypto'
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DeterministicGzip } from './gzip-encoder.js'
import { tarStream, type LayerEntry } from './layer-tar.js'

export type LayerCompression = 'gzip' | 'none'

export interface LayerDigests {
  /** sha256 of the blob as stored (compressed). */
  digest: string
  /** sha256 of the uncompressed tar: the config's rootfs.diff_ids entry. */
  diffId: string
  size: number
  uncompressedSize: number
}

export interface LayerBlob extends LayerDigests {
  /** The temp file holding the blob; `dispose` removes it. */
  path: string
  dispose(): Promise<void>
}

export interface LayerBlobOptions {
  compression: LayerCompression
  level: number
  /** Fixed tar mtime, seconds. */
  mtime: number
  tempDir?: string
}

/**
 * Produces the layer (tar, then gzip) in one streaming pass that also computes the blob digest
 * and the diff_id, handing the output to `sink` piece by piece: memory stays at a few MiB
 * whatever the model's size.
 */
export async function produceLayer(
  entries: LayerEntry[],
  options: LayerBlobOptions,
  sink: (pieces: Buffer[]) => Promise<void>
): Promise<LayerDigests> {
  const tarHash = createHash('sha256')
  // Uncompressed, the blob is the tar: one hash serves as digest and diff_id.
  const gzipped = options.compression === 'gzip'
  const blobHash = gzipped ? createHash('sha256') : undefined
  let size = 0
  let uncompressedSize = 0
  const emit = async (pieces: Buffer[]) => {
    for (const piece of pieces) {
      blobHash?.update(piece)
      size += piece.length
    }
    await sink(pieces)
  }
  const gzip = gzipped ? new DeterministicGzip(options.level, emit) : undefined
  for await (const segment of tarStream(entries, {
    mtime: options.mtime,
    detectIncompressible: gzipped
  })) {
    tarHash.update(segment.data)
    uncompressedSize += segment.data.length
    if (gzip) await gzip.write(segment.data, segment.incompressible)
    else await emit([segment.data])
  }
  await gzip?.end()
  const diffId = `sha256:${tarHash.digest('hex')}`
  return {
    digest: blobHash ? `sha256:${blobHash.digest('hex')}` : diffId,
    diffId,
    size,
    uncompressedSize
  }
}

/** The layer in a temp file (0600, in its own directory), for small layers and retries. */
export async function writeLayerBlob(
  entries: LayerEntry[],
  options: LayerBlobOptions
): Promise<LayerBlob> {
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'layer-'))
  const path = join(dir, 'layer.tar.gz')
  const dispose = () => rm(dir, { recursive: true, force: true })
  const handle = await open(path, 'w', 0o600)
  try {
    const digests = await produceLayer(entries, options, pieces => writeAll(handle, pieces))
    await handle.close()
    return { ...digests, path, dispose }
  } catch (error) {
    await handle.close().catch(() => undefined)
    await dispose()
    throw error
  }
}

/** writev until every byte is down: the kernel may take less than asked. */
async function writeAll(handle: FileHandle, pieces: Buffer[]): Promise<void> {
  const MAX_IOV = 512
  for (let i = 0; i < pieces.length; i += MAX_IOV) {
    let batch = pieces.slice(i, i + MAX_IOV)
    let left = batch.reduce((sum, piece) => sum + piece.length, 0)
    while (left > 0) {
      const { bytesWritten } = await handle.writev(batch)
      left -= bytesWritten
      if (left === 0) break
      let skip = bytesWritten
      while (skip >= batch[0]!.length) skip -= batch.shift()!.length
      batch = [batch[0]!.subarray(skip), ...batch.slice(1)]
    }
  }
}

/**
 * The layer as it is produced, as the body of one streamed upload: a bounded queue between the
 * producer and the HTTP request, so production and upload overlap, nothing goes through the
 * disk, and memory stays at the queue's limit (the producer waits while the network is behind).
 */
export class LayerBodyQueue implements AsyncIterable<Buffer> {
  private pieces: Buffer[] = []
  private queued = 0
  private done = false
  private failure: unknown
  private wakeReader: (() => void) | undefined
  private wakeWriter: (() => void) | undefined
  /** Bytes handed to the request so far. */
  sent = 0

  constructor(
    private readonly limit = 8 << 20,
    private readonly onSent?: (sent: number) => void
  ) {}

  /** The producer's sink. */
  write = async (pieces: Buffer[]): Promise<void> => {
    for (const piece of pieces) {
      this.pieces.push(piece)
      this.queued += piece.length
    }
    this.wake()
    while (!this.failure && this.queued >= this.limit)
      await new Promise<void>(resolve => (this.wakeWriter = resolve))
    if (this.failure) throw this.failure
  }

  end(): void {
    this.done = true
    this.wake()
  }

  fail(error: unknown): void {
    this.failure = error ?? new Error('layer upload failed')
    this.wake()
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      if (this.failure) throw this.failure
      if (this.pieces.length) {
        // One write per batch: stored blocks arrive as 5-byte headers and 64 KiB views.
        const batch =
          this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces, this.queued)
        this.pieces = []
        this.queued = 0
        this.wake()
        this.sent += batch.length
        this.onSent?.(this.sent)
        yield batch
        continue
      }
      if (this.done) return
      await new Promise<void>(resolve => (this.wakeReader = resolve))
    }
  }

  private wake(): void {
    const reader = this.wakeReader
    const writer = this.wakeWriter
    this.wakeReader = undefined
    this.wakeWriter = undefined
    reader?.()
    writer?.()
  }
}
