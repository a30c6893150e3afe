import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { withRetry, type RetryOptions } from '../retry.js'
import { isRetryableRegistryError, RegistryHttpError, UploadLostError } from './registry-errors.js'

/**
 * Bytes to upload, possibly still being produced: `waitFor(n)` resolves once `n` bytes exist or
 * the source is complete, and `read` gives a range again for a retry.
 */
export interface ChunkSource {
  waitFor(end: number): Promise<{ available: number; complete: boolean }>
  read(start: number, end: number): Readable | Buffer
}

export interface SizedChunkSource extends ChunkSource {
  size: number
}

export function fileChunkSource(path: string, size: number): SizedChunkSource {
  return {
    size,
    waitFor: async () => ({ available: size, complete: true }),
    read: (start, end) =>
      end > start
        ? createReadStream(path, { start, end: end - 1, highWaterMark: 1 << 20 })
        : Buffer.alloc(0)
  }
}

export function bufferChunkSource(bytes: Buffer): SizedChunkSource {
  return {
    size: bytes.length,
    waitFor: async () => ({ available: bytes.length, complete: true }),
    read: (start, end) => bytes.subarray(start, end)
  }
}

interface UploadRequestSpec {
  headers?: Record<string, string>
  body?: () => Readable | Buffer | undefined
  accept: number[]
  purpose: string
  once?: boolean
}

export type UploadRequester = (
  method: string,
  url: string,
  spec: UploadRequestSpec
) => Promise<Response>

/** Sends a body of unknown length with backpressure (see stream-request.ts). */
export type StreamSender = (
  method: string,
  url: string,
  headers: Record<string, string>,
  body: AsyncIterable<Buffer>
) => Promise<Response>

/**
 * One upload session of the distribution API: its Location moves with every answer, and the
 * registry's Range header says how many bytes it holds, which is where a resumed upload starts.
 */
export class BlobUpload {
  /** Bytes the registry has acknowledged. */
  offset = 0

  constructor(
    public location: string,
    readonly minChunk: number,
    private readonly request: UploadRequester,
    private readonly registry: string,
    private readonly stream?: StreamSender
  ) {}

  /** Monolithic upload: the whole blob in the closing PUT. */
  async putWhole(digest: string, source: SizedChunkSource): Promise<void> {
    const response = await this.request('PUT', this.withDigest(digest), {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(source.size)
      },
      body: () => source.read(0, source.size),
      accept: [201, 400, 404],
      purpose: `uploading blob ${digest}`,
      once: true
    })
    await settle(response)
    if (response.status !== 201)
      throw new UploadLostError(`HTTP ${response.status} on the monolithic PUT`)
  }

  async patch(source: ChunkSource, start: number, end: number): Promise<void> {
    const response = await this.request('PATCH', this.location, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `${start}-${end - 1}`,
        'content-length': String(end - start)
      },
      body: () => source.read(start, end),
      accept: [202, 400, 404, 416],
      purpose: `uploading bytes ${start}-${end - 1}`,
      once: true
    })
    await settle(response)
    if (response.status === 416) {
      // The registry holds a different amount than we thought: ask it, then go on from there.
      throw new RegistryHttpError(
        `Registry ${this.registry} rejected range ${start}-${end - 1}`,
        416
      )
    }
    if (response.status !== 202) throw new UploadLostError(`HTTP ${response.status} on PATCH`)
    this.follow(response)
    const held = rangeEnd(response)
    this.offset = held === undefined || (held === 0 && end === 1) ? end : held
  }

  /**
   * A streamed upload: the whole blob in one PATCH whose length is not known in advance (what
   * docker does for layers it is still compressing). It cannot be replayed: on failure the
   * caller starts again from a source it can read twice.
   */
  async patchStream(body: AsyncIterable<Buffer>): Promise<void> {
    if (!this.stream) throw new Error('this upload session cannot stream')
    const response = await this.stream(
      'PATCH',
      this.location,
      { 'content-type': 'application/octet-stream' },
      body
    )
    if (response.status >= 500 || response.status === 429) {
      throw new RegistryHttpError(
        `HTTP ${response.status} from ${this.registry} while streaming a layer`,
        response.status
      )
    }
    if (response.status !== 202)
      throw new UploadLostError(`HTTP ${response.status} on the streamed PATCH`)
    this.follow(response)
    this.offset = rangeEnd(response) ?? 0
  }

  /** Asks the registry how much of the upload it holds (GET on the session). */
  async status(): Promise<number> {
    const response = await this.request('GET', this.location, {
      accept: [204, 400, 404],
      purpose: 'reading the upload status'
    })
    await settle(response)
    if (response.status !== 204)
      throw new UploadLostError(`HTTP ${response.status} on the upload status`)
    this.follow(response)
    this.offset = rangeEnd(response) ?? 0
    return this.offset
  }

  async complete(digest: string): Promise<void> {
    const response = await this.request('PUT', this.withDigest(digest), {
      headers: { 'content-length': '0' },
      accept: [201, 400, 404],
      purpose: `completing the upload of ${digest}`
    })
    await settle(response)
    if (response.status !== 201)
      throw new UploadLostError(`HTTP ${response.status} when completing ${digest}`)
  }

  private withDigest(digest: string): string {
    const url = new URL(this.location)
    url.searchParams.set('digest', digest)
    return url.toString()
  }

  private follow(response: Response): void {
    const location = response.headers.get('location')
    if (location) this.location = new URL(location, this.location).toString()
  }
}

/**
 * Sends `source` in PATCH chunks of `chunkSize` (at least the registry's minimum). A failed chunk
 * is retried from the offset the registry reports, so a dropped connection costs one chunk.
 */
export async function sendChunks(
  upload: BlobUpload,
  source: ChunkSource,
  chunkSize: number,
  retry: RetryOptions,
  onProgress?: (sent: number, total: number) => void
): Promise<void> {
  const size = Math.max(chunkSize, upload.minChunk)
  for (;;) {
    const { available, complete } = await source.waitFor(upload.offset + size)
    if (upload.offset >= available) {
      if (complete) return
      continue
    }
    const end = Math.min(available, upload.offset + size)
    await withRetry(
      async attempt => {
        if (attempt > 1 && (await upload.status()) >= end) return
        await upload.patch(source, upload.offset, end)
      },
      {
        ...retry,
        retryable: error =>
          (error instanceof RegistryHttpError && error.status === 416) ||
          (retry.retryable ?? isRetryableRegistryError)(error)
      }
    )
    onProgress?.(upload.offset, complete ? available : Number.NaN)
  }
}

function rangeEnd(response: Response): number | undefined {
  const match = /^(?:bytes=)?(\d+)-(\d+)$/.exec(response.headers.get('range') ?? '')
  if (!match) return undefined
  // distribution says `0-0` for an empty upload (and for one byte): only bytes past 0 are sure.
  return match[2] === '0' ? 0 : Number(match[2]) + 1
}

async function settle(response: Response): Promise<void> {
  try {
    await response.body?.cancel()
  } catch {
    // Nothing left to read.
  }
}
