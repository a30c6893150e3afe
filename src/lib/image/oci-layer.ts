import { errorMessage, UserError } from '../errors.js'
import { silentLog, type Log } from '../log.js'
import { copyBlob } from '../oci/copy-blob.js'
import { sha256Digest } from '../oci/digest.js'
import {
  formatPlatform,
  isIndexMediaType,
  MediaType,
  parsePlatform,
  platformMatches,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Platform
} from '../oci/media-types.js'
import { formatImageReference, imageName, type ImageReference } from '../oci/reference.js'
import type { BlobPushOutcome, RegistryClient } from '../oci/registry-client.js'
import { isRetryableRegistryError, UploadLostError } from '../oci/registry-errors.js'
import { defaultLayerCacheDir, LayerCache, type CachedLayer } from './layer-cache.js'
import {
  LayerBodyQueue,
  produceLayer,
  writeLayerBlob,
  type LayerBlobOptions,
  type LayerCompression,
  type LayerDigests
} from './layer-blob.js'
import { listLayerEntries, type LayerEntry } from './layer-tar.js'
import { formatCreated } from './tags.js'

export interface OciLayerRequest {
  baseImage: ImageReference
  /** Registry and repository to push to; its tag, if any, is ignored (see `tags`). */
  image: ImageReference
  tags: string[]
  modelPath: string
  /** Directory in the image that receives the model; default `/model`. */
  destination?: string
  /** `os/arch[/variant]` picked from a multi-platform base, or `all`; default `linux/amd64`. */
  platform?: string
  labels?: Record<string, string>
  /** The image's creation time: the commit time or SOURCE_DATE_EPOCH, never the wall clock. */
  created: Date
  compression?: LayerCompression
  compressionLevel?: number
  /** Client for a registry host; the same host must give the same client (tokens are cached). */
  client: (registry: string) => RegistryClient
  /** Where layer digests are remembered between runs; false disables it. */
  cacheDir?: string | false
  tempDir?: string
  log?: Log
  onProgress?: (progress: PushProgress) => void
}

export interface PushProgress {
  phase: 'layer'
  sentBytes: number
  /** Unknown (NaN) while the layer is still being written. */
  totalBytes: number
}

export interface LayerSummary {
  digest: string
  diffId: string
  mediaType: string
  size: number
  uncompressedSize: number
  files: number
  outcome: BlobPushOutcome | 'cached-exists'
}

export interface BuildResult {
  builder: string
  /** `registry/repository` without tag. */
  image: string
  digest: string
  tags: string[]
  durationMs: number
}

export interface OciLayerResult extends BuildResult {
  mediaType: string
  baseDigest: string
  manifests: { platform: string; digest: string }[]
  layer: LayerSummary
  /** The sizes of all layers of the (first) image, base layers first. */
  layerSizes: { digest: string; size: number }[]
  /** Nothing new had to be uploaded: every blob and manifest was already in place. */
  unchanged: boolean
}

interface PlatformImage {
  manifest: ImageManifest
  mediaType: string
  platform: Platform | undefined
}

/**
 * Adds the model directory as one reproducible layer on top of a base image, speaking the
 * registry API directly (no daemon, no Dockerfile). Order matters for safety: blobs, then
 * configs, then manifests by digest, and only at the very end the tags, so a failure never
 * leaves a tag pointing at an image that is not all there.
 */
export async function buildOciLayerImage(request: OciLayerRequest): Promise<OciLayerResult> {
  const started = Date.now()
  const log = request.log ?? silentLog
  const baseClient = request.client(request.baseImage.registry)
  const client = request.client(request.image.registry)
  const repository = request.image.repository
  const baseRef = request.baseImage.digest ?? request.baseImage.tag ?? 'latest'
  const base = await baseClient.getManifest(request.baseImage.repository, baseRef)
  if (!base)
    throw new UserError(`Base image ${formatImageReference(request.baseImage)} was not found.`)
  const images = await selectPlatforms(baseClient, request, base.bytes, base.mediaType)
  const docker =
    base.mediaType === MediaType.dockerManifest || base.mediaType === MediaType.dockerManifestList
  const compression = request.compression ?? 'gzip'
  const layerMediaType = docker
    ? compression === 'gzip'
      ? MediaType.dockerLayerGzip
      : MediaType.dockerLayer
    : compression === 'gzip'
      ? MediaType.ociLayerGzip
      : MediaType.ociLayer

  const layer = await ensureModelLayer(client, repository, request, layerMediaType, log)
  let unchanged = layer.outcome === 'exists' || layer.outcome === 'cached-exists'

  const from = { client: baseClient, repository: request.baseImage.repository }
  const to = { client, repository }
  const built: { descriptor: Descriptor; bytes: Buffer }[] = []
  for (const image of images) {
    for (const blob of image.manifest.layers) {
      const outcome = await copyBlob(from, to, blob)
      if (outcome !== 'exists') unchanged = false
    }
    const baseConfig = JSON.parse(
      (
        await baseClient.getBlobBytes(request.baseImage.repository, image.manifest.config.digest)
      ).toString('utf8')
    ) as ImageConfig
    const config = Buffer.from(JSON.stringify(extendConfig(baseConfig, request, layer.diffId)))
    if ((await client.pushBlobBytes(repository, config)) !== 'exists') unchanged = false
    const layerDescriptor: Descriptor = {
      mediaType: layer.mediaType,
      digest: layer.digest,
      size: layer.size
    }
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: image.mediaType,
      config: {
        mediaType: image.manifest.config.mediaType,
        digest: sha256Digest(config),
        size: config.length
      },
      layers: [...image.manifest.layers, layerDescriptor],
      ...(docker
        ? {}
        : {
            annotations: {
              ...image.manifest.annotations,
              'org.opencontainers.image.base.name': formatImageReference({
                ...request.baseImage,
                digest: undefined
              }),
              'org.opencontainers.image.base.digest': base.digest
            }
          })
    }
    const bytes = Buffer.from(JSON.stringify(manifest))
    const descriptor: Descriptor = {
      mediaType: image.mediaType,
      digest: sha256Digest(bytes),
      size: bytes.length,
      ...(image.platform ? { platform: image.platform } : {})
    }
    if (!(await putByDigestUnlessPresent(client, repository, bytes, image.mediaType)))
      unchanged = false
    built.push({ descriptor, bytes })
  }

  let top = built[0]!
  let topMediaType = images[0]!.mediaType
  if (request.platform === 'all') {
    topMediaType = docker ? MediaType.dockerManifestList : MediaType.ociIndex
    const index: ImageIndex = {
      schemaVersion: 2,
      mediaType: topMediaType,
      manifests: built.map(b => b.descriptor)
    }
    const bytes = Buffer.from(JSON.stringify(index))
    top = {
      descriptor: { mediaType: topMediaType, digest: sha256Digest(bytes), size: bytes.length },
      bytes
    }
    if (!(await putByDigestUnlessPresent(client, repository, bytes, topMediaType)))
      unchanged = false
  }

  for (const tag of request.tags) {
    const current = await client.headManifest(repository, tag)
    if (current?.digest === top.descriptor.digest) continue
    await client.putManifest(repository, tag, top.bytes, topMediaType)
    unchanged = false
  }
  log.info(
    `oci-layer: ${imageName(request.image)}@${top.descriptor.digest}${unchanged ? ' (already in the registry)' : ''}`
  )
  const first = JSON.parse(built[0]!.bytes.toString('utf8')) as ImageManifest
  return {
    builder: 'oci-layer',
    image: imageName(request.image),
    digest: top.descriptor.digest,
    mediaType: topMediaType,
    tags: request.tags,
    baseDigest: base.digest,
    manifests: built.map(b => ({
      platform: b.descriptor.platform ? formatPlatform(b.descriptor.platform) : 'unknown',
      digest: b.descriptor.digest
    })),
    layer,
    layerSizes: first.layers.map(l => ({ digest: l.digest, size: l.size })),
    unchanged,
    durationMs: Date.now() - started
  }
}

async function selectPlatforms(
  client: RegistryClient,
  request: OciLayerRequest,
  bytes: Buffer,
  mediaType: string
): Promise<PlatformImage[]> {
  const repository = request.baseImage.repository
  if (!isIndexMediaType(mediaType)) {
    const manifest = JSON.parse(bytes.toString('utf8')) as ImageManifest
    if (request.platform === 'all') {
      throw new UserError(
        `platform "all" needs a multi-platform base image; ${formatImageReference(request.baseImage)} has one platform.`
      )
    }
    return [{ manifest, mediaType, platform: undefined }]
  }
  const index = JSON.parse(bytes.toString('utf8')) as ImageIndex
  // Attestation manifests (buildx provenance) are listed as unknown/unknown: not images to run.
  const runnable = index.manifests.filter(m => m.platform && m.platform.os !== 'unknown')
  let chosen: Descriptor[]
  if (request.platform === 'all') chosen = runnable
  else {
    const wanted = parsePlatform(request.platform ?? 'linux/amd64')
    if (!wanted)
      throw new UserError(`Platform "${request.platform}" is not of the form os/arch[/variant].`)
    const match = runnable.find(m => platformMatches(m.platform, wanted))
    chosen = match ? [match] : []
  }
  if (chosen.length === 0) {
    const offered = runnable.map(m => formatPlatform(m.platform!)).join(', ') || 'none'
    throw new UserError(
      `Base image ${formatImageReference(request.baseImage)} has no ${request.platform ?? 'linux/amd64'} image (it has: ${offered}).`
    )
  }
  const images: PlatformImage[] = []
  for (const descriptor of chosen) {
    const child = await client.getManifest(repository, descriptor.digest)
    if (!child)
      throw new UserError(
        `Base image ${formatImageReference(request.baseImage)} lists ${descriptor.digest}, which is missing.`
      )
    images.push({
      manifest: JSON.parse(child.bytes.toString('utf8')) as ImageManifest,
      mediaType: child.mediaType,
      platform: descriptor.platform
    })
  }
  return images
}

/**
 * The model layer in the target repository. With a cache hit the registry is only asked (HEAD).
 * Otherwise a small layer goes through a temp file (HEAD first, then one PUT), and a large one
 * (more than one chunk) is streamed while it is produced, so the push costs about as long as
 * the upload alone; if that stream fails it is sent again from a temp file in resumable chunks.
 */
async function ensureModelLayer(
  client: RegistryClient,
  repository: string,
  request: OciLayerRequest,
  mediaType: string,
  log: Log
): Promise<LayerSummary> {
  const destination = request.destination ?? '/model'
  const entries = await listLayerEntries(request.modelPath, destination)
  const files = entries.filter(e => e.type === 'file').length
  const settings = {
    destination,
    compression: request.compression ?? 'gzip',
    level: request.compressionLevel ?? 6
  }
  const cache =
    request.cacheDir === false
      ? undefined
      : new LayerCache(request.cacheDir ?? defaultLayerCacheDir(), message => log.warning(message))
  const key = cache?.key(entries, settings)
  const cached = key ? await cache!.get(key) : undefined
  if (cached && (await client.blobSize(repository, cached.digest)) === cached.size) {
    log.info(`oci-layer: model layer ${cached.digest} unchanged and already in ${repository}`)
    return { ...cached, mediaType, files, outcome: 'cached-exists' }
  }
  const options: LayerBlobOptions = {
    compression: settings.compression,
    level: settings.level,
    mtime: 0,
    ...(request.tempDir ? { tempDir: request.tempDir } : {})
  }
  const progress = (sentBytes: number, totalBytes: number) =>
    request.onProgress?.({ phase: 'layer', sentBytes, totalBytes })
  const expected = entries.reduce((sum, e) => sum + e.size, 0)
  let outcome: BlobPushOutcome
  let digests: LayerDigests | undefined
  if (expected > client.chunkSize) {
    digests = await streamLayer(client, repository, entries, options, progress, log)
    outcome = 'uploaded'
  }
  if (!digests) {
    const blob = await writeLayerBlob(entries, options)
    try {
      outcome = await client.pushBlobFile(repository, blob.digest, blob.path, blob.size, {
        onProgress: progress
      })
    } finally {
      await blob.dispose()
    }
    digests = blob
  }
  const summary: CachedLayer = {
    digest: digests.digest,
    diffId: digests.diffId,
    size: digests.size,
    uncompressedSize: digests.uncompressedSize
  }
  if (key) await cache!.put(key, summary)
  return { ...summary, mediaType, files, outcome: outcome! }
}

/**
 * Uploads a large layer in one streamed request while producing it, so the push costs about
 * as long as the upload alone. A streamed body cannot be replayed: after a transient failure
 * (or a lost session) undefined tells the caller to send the layer from a temp file instead,
 * in chunks that resume.
 */
async function streamLayer(
  client: RegistryClient,
  repository: string,
  entries: LayerEntry[],
  options: LayerBlobOptions,
  progress: (sent: number, total: number) => void,
  log: Log
): Promise<LayerDigests | undefined> {
  const queue = new LayerBodyQueue(8 << 20, sent => progress(sent, Number.NaN))
  let resolveDigest!: (digest: string) => void
  let rejectDigest!: (error: unknown) => void
  const digest = new Promise<string>((resolve, reject) => {
    resolveDigest = resolve
    rejectDigest = reject
  })
  digest.catch(() => undefined)
  const produced = produceLayer(entries, options, queue.write).then(
    digests => {
      queue.end()
      resolveDigest(digests.digest)
      return digests
    },
    (error: unknown) => {
      queue.fail(error)
      rejectDigest(error)
      throw error
    }
  )
  const uploaded = client
    .streamBlob(repository, queue, () => digest)
    .catch((error: unknown) => {
      // Unblocks a producer waiting for the network to catch up.
      queue.fail(error)
      throw error
    })
  const [production, upload] = await Promise.allSettled([produced, uploaded])
  if (
    production.status === 'rejected' &&
    production.reason !== (upload.status === 'rejected' ? upload.reason : undefined)
  ) {
    throw production.reason
  }
  if (upload.status === 'rejected') {
    if (!(upload.reason instanceof UploadLostError) && !isRetryableRegistryError(upload.reason))
      throw upload.reason
    log.info(
      `oci-layer: the streamed upload failed (${errorMessage(upload.reason)}); sending the layer from a temp file, in resumable chunks`
    )
    return undefined
  }
  if (production.status === 'rejected') throw production.reason
  return production.value
}

/** The base config plus the model layer, its history entry, the labels and the fixed time. */
export function extendConfig(
  base: ImageConfig,
  request: Pick<OciLayerRequest, 'created' | 'labels' | 'destination'>,
  diffId: string
): ImageConfig {
  const created = formatCreated(request.created)
  const inner = { ...(base.config ?? {}) }
  inner.Labels = { ...(inner.Labels ?? {}), ...request.labels }
  return {
    ...base,
    created,
    config: inner,
    rootfs: { type: 'layers', diff_ids: [...(base.rootfs?.diff_ids ?? []), diffId] },
    history: [
      ...(base.history ?? []),
      {
        created,
        created_by: `oci-layer: COPY model ${request.destination ?? '/model'}`,
        comment: 'mlops-actions model layer'
      }
    ]
  }
}

async function putByDigestUnlessPresent(
  client: RegistryClient,
  repository: string,
  bytes: Buffer,
  mediaType: string
): Promise<boolean> {
  const digest = sha256Digest(bytes)
  if ((await client.headManifest(repository, digest))?.digest === digest) return true
  await client.putManifest(repository, digest, bytes, mediaType)
  return false
}
