import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { withRetry } from '../retry.js'
import type { Descriptor } from './media-types.js'
import { isRetryableRegistryError } from './registry-errors.js'
import type { BlobPushOutcome, RegistryClient } from './registry-client.js'

export interface BlobLocation {
  client: RegistryClient
  repository: string
}

/**
 * Makes `to` hold the blob `from` has: nothing when it is there already, a cross-repository
 * mount on the same registry, else a download to a temp file and an upload (never in memory).
 */
export async function copyBlob(
  from: BlobLocation,
  to: BlobLocation,
  blob: Descriptor
): Promise<BlobPushOutcome> {
  if ((await to.client.blobSize(to.repository, blob.digest)) !== undefined) return 'exists'
  const sameRegistry = from.client.registry === to.client.registry
  if (sameRegistry && from.repository !== to.repository) {
    const mounted = await to.client.mountBlob(to.repository, blob.digest, from.repository)
    if (mounted === true) return 'mounted'
  }
  const dir = await mkdtemp(join(tmpdir(), 'blob-'))
  try {
    const path = join(dir, 'blob')
    await withRetry(
      async () => {
        const body = await from.client.getBlob(from.repository, blob.digest)
        await pipeline(
          Readable.fromWeb(body as WebReadableStream<Uint8Array>),
          createWriteStream(path, { mode: 0o600 })
        )
      },
      { retryable: isRetryableRegistryError }
    )
    return await to.client.pushBlobFile(to.repository, blob.digest, path, blob.size)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
