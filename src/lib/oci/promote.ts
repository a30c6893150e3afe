import { UserError } from '../errors.js'
import { silentLog, type Log } from '../log.js'
import { treeTag } from '../image/tags.js'
import { copyBlob } from './copy-blob.js'
import { isIndexMediaType, type ImageIndex, type ImageManifest } from './media-types.js'
import { formatImageReference, imageName, type ImageReference } from './reference.js'
import type { RegistryClient } from './registry-client.js'

export interface PromoteRequest {
  /** The image to promote, by tag or digest (a digest is the safer pin). */
  from: ImageReference
  /** Registry and repository that receive the tags (the same repository is fine). */
  to: ImageReference
  tags: string[]
  client: (registry: string) => RegistryClient
  log?: Log
}

export interface PromoteResult {
  image: string
  digest: string
  mediaType: string
  tags: string[]
  /** Blobs that had to be copied or mounted into the target repository. */
  copiedBlobs: number
  durationMs: number
}

/**
 * Gives an existing image new tags without rebuilding it: the manifest bytes are copied exactly
 * (so the digest cannot change), blobs follow when the target repository differs, and each new
 * tag is read back and compared, because the digest is what staging tested and prod deploys.
 */
export async function promoteImage(request: PromoteRequest): Promise<PromoteResult> {
  const started = Date.now()
  const log = request.log ?? silentLog
  const fromClient = request.client(request.from.registry)
  const toClient = request.client(request.to.registry)
  const reference = request.from.digest ?? request.from.tag ?? 'latest'
  const source = await fromClient.getManifest(request.from.repository, reference)
  if (!source)
    throw new UserError(
      `The image to promote, ${formatImageReference(request.from)}, was not found.`
    )
  if (request.from.digest && request.from.tag) {
    const tagged = await fromClient.headManifest(request.from.repository, request.from.tag)
    if (tagged?.digest !== request.from.digest) {
      throw new UserError(
        `${formatImageReference(request.from)}: the tag points at ${tagged?.digest ?? 'nothing'}, not the pinned digest.`
      )
    }
  }
  const from = { client: fromClient, repository: request.from.repository }
  const to = { client: toClient, repository: request.to.repository }
  const sameRepository = imageName(request.from) === imageName(request.to)
  let copiedBlobs = 0

  const copyImage = async (bytes: Buffer, mediaType: string, digest: string) => {
    const manifest = JSON.parse(bytes.toString('utf8')) as ImageManifest
    for (const blob of [manifest.config, ...manifest.layers]) {
      if ((await copyBlob(from, to, blob)) !== 'exists') copiedBlobs++
    }
    if ((await toClient.headManifest(to.repository, digest))?.digest !== digest) {
      await toClient.putManifest(to.repository, digest, bytes, mediaType)
    }
  }
  if (!sameRepository) {
    if (isIndexMediaType(source.mediaType)) {
      const index = JSON.parse(source.bytes.toString('utf8')) as ImageIndex
      for (const child of index.manifests) {
        const manifest = await fromClient.getManifest(from.repository, child.digest)
        if (!manifest)
          throw new UserError(
            `${formatImageReference(request.from)} lists ${child.digest}, which is missing.`
          )
        await copyImage(manifest.bytes, manifest.mediaType, manifest.digest)
      }
      await toClient.putManifest(to.repository, source.digest, source.bytes, source.mediaType)
    } else {
      await copyImage(source.bytes, source.mediaType, source.digest)
    }
  }

  for (const tag of request.tags) {
    await toClient.putManifest(to.repository, tag, source.bytes, source.mediaType)
  }
  for (const tag of request.tags) {
    const now = await toClient.headManifest(to.repository, tag)
    if (now?.digest !== source.digest) {
      throw new UserError(
        `Promotion changed the digest: ${imageName(request.to)}:${tag} is ${now?.digest ?? 'missing'}, ` +
          `but ${formatImageReference(request.from)} is ${source.digest}.`
      )
    }
  }
  log.info(
    `Promoted ${formatImageReference(request.from)} (${source.digest}) as ${request.tags.join(', ')}`
  )
  return {
    image: imageName(request.to),
    digest: source.digest,
    mediaType: source.mediaType,
    tags: request.tags,
    copiedBlobs,
    durationMs: Date.now() - started
  }
}

/** The image built from a git tree, found by its `tree-<hash>` tag: the key of build-once. */
export async function findImageForTree(
  client: RegistryClient,
  repository: string,
  tree: string
): Promise<{ tag: string; digest: string; mediaType: string } | undefined> {
  const tag = treeTag(tree)
  const found = await client.headManifest(repository, tag)
  return found && { tag, digest: found.digest, mediaType: found.mediaType }
}
