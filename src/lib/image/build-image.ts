import { runCommand, type CommandRunner } from '../command.js'
import { formatElapsed } from '../duration.js'
import type { Log } from '../log.js'
import { code, heading, keyValues, table } from '../markdown.js'
import { promoteImage, type PromoteRequest } from '../oci/promote.js'
import type { RegistryClient } from '../oci/registry-client.js'
import { BuildahBuilder, type BuildahStorage } from './buildah-builder.js'
import {
  selectBuilder,
  type BuilderChoice,
  type BuildRequest,
  type ImageBuilder
} from './builders.js'
import { BuildxBuilder } from './buildx-builder.js'
import { DockerBuilder } from './docker-builder.js'
import { OciLayerBuilder } from './oci-layer-builder.js'
import type { BuildResult, OciLayerResult, PushProgress } from './oci-layer.js'

/** Every builder, in the order `auto` tries the Dockerfile ones. */
export function createBuilders(
  run: CommandRunner = runCommand,
  env: NodeJS.ProcessEnv = process.env,
  buildah: BuildahStorage = {}
): ImageBuilder[] {
  return [
    new BuildxBuilder(run, env),
    new DockerBuilder(run, env),
    new BuildahBuilder(run, env, buildah),
    new OciLayerBuilder()
  ]
}

/** What build-image reports: the SPEC outputs and what the summary shows. */
export interface BuildImageOutcome {
  builder: string
  reason: string
  /** `registry/repository` */
  image: string
  digest: string
  /** `image@digest`, the reference deploys pin. */
  imageRef: string
  /** Full references, `image:tag`. */
  tags: string[]
  durationMs: number
  layerSizes?: { digest: string; size: number }[]
  unchanged?: boolean
  promotedFrom?: string
  metadata: Record<string, unknown>
}

/**
 * Builds and pushes with the chosen builder, then reads every tag back from the registry (when a
 * client is given) so that the reported digest is the one the registry serves under each tag.
 */
export async function buildImage(options: {
  builder: BuilderChoice
  request: BuildRequest
  builders?: ImageBuilder[]
  /** Checks each pushed tag; a mismatch is an error, not a warning. */
  verifyWith?: RegistryClient
}): Promise<BuildImageOutcome> {
  const builders = options.builders ?? createBuilders()
  const { builder, reason } = await selectBuilder(options.builder, builders, options.request)
  options.request.log.info(`build-image: ${reason}`)
  const result = await builder.build(options.request)
  if (options.verifyWith && options.request.push)
    await verifyTags(options.verifyWith, options.request, result)
  return outcome(result, reason)
}

/** Promotion: new tags for an existing image, the digest checked to be unchanged. */
export async function promote(request: PromoteRequest): Promise<BuildImageOutcome> {
  const result = await promoteImage(request)
  const from = `${request.from.registry}/${request.from.repository}${request.from.tag ? `:${request.from.tag}` : ''}${request.from.digest ? `@${request.from.digest}` : ''}`
  return {
    builder: 'promote',
    reason: `promote-from ${from}`,
    image: result.image,
    digest: result.digest,
    imageRef: `${result.image}@${result.digest}`,
    tags: result.tags.map(tag => `${result.image}:${tag}`),
    durationMs: result.durationMs,
    promotedFrom: from,
    metadata: {
      builder: 'promote',
      from,
      digest: result.digest,
      mediaType: result.mediaType,
      tags: result.tags,
      copiedBlobs: result.copiedBlobs
    }
  }
}

async function verifyTags(
  client: RegistryClient,
  request: BuildRequest,
  result: BuildResult
): Promise<void> {
  for (const tag of request.tags) {
    const head = await client.headManifest(request.image.repository, tag)
    if (head?.digest !== result.digest) {
      throw new Error(
        `${result.builder} reported ${result.digest}, but the registry serves ${head?.digest ?? 'nothing'} as ${result.image}:${tag}`
      )
    }
  }
}

function outcome(result: BuildResult | OciLayerResult, reason: string): BuildImageOutcome {
  const layered = 'layer' in result ? result : undefined
  return {
    builder: result.builder,
    reason,
    image: result.image,
    digest: result.digest,
    imageRef: `${result.image}@${result.digest}`,
    tags: result.tags.map(tag => `${result.image}:${tag}`),
    durationMs: result.durationMs,
    ...(layered ? { layerSizes: layered.layerSizes, unchanged: layered.unchanged } : {}),
    metadata: {
      builder: result.builder,
      image: result.image,
      digest: result.digest,
      tags: result.tags,
      ...(layered
        ? {
            mediaType: layered.mediaType,
            baseDigest: layered.baseDigest,
            manifests: layered.manifests,
            layer: {
              digest: layered.layer.digest,
              diffId: layered.layer.diffId,
              size: layered.layer.size,
              files: layered.layer.files
            }
          }
        : {})
    }
  }
}

/** The job summary: image, digest, tags, layer sizes and how long the push took. */
export function buildSummary(result: BuildImageOutcome): string {
  const parts = [
    heading(`Image ${result.image}`),
    keyValues([
      ['Digest', code(result.digest)],
      ['Reference', code(result.imageRef)],
      ['Builder', `${result.builder} (${result.reason})`],
      ['Took', formatElapsed(result.durationMs)],
      ['Promoted from', result.promotedFrom],
      [
        'Unchanged',
        result.unchanged ? 'yes: every blob and manifest was already in the registry' : undefined
      ]
    ]),
    heading('Tags', 3),
    table(
      ['tag'],
      result.tags.map(tag => [code(tag)])
    )
  ]
  if (result.layerSizes?.length) {
    parts.push(
      heading('Layers', 3),
      table(
        ['#', 'digest', 'size'],
        result.layerSizes.map((layer, i) => [
          i + 1,
          code(layer.digest.slice(0, 19)),
          formatBytes(layer.size)
        ])
      )
    )
  }
  return parts.join('\n\n')
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}

/**
 * Progress lines for a long upload: at most one every `everyMs` (default 10 s), so a large
 * model shows it is moving without flooding the log.
 */
export function progressLogger(
  log: Log,
  now: () => number = Date.now,
  everyMs = 10_000
): (progress: PushProgress) => void {
  const started = now()
  let last = started
  return progress => {
    const at = now()
    if (at - last < everyMs) return
    last = at
    const seconds = Math.max(0.001, (at - started) / 1000)
    const total = Number.isFinite(progress.totalBytes)
      ? ` of ${formatBytes(progress.totalBytes)}`
      : ''
    log.info(
      `uploaded ${formatBytes(progress.sentBytes)}${total} (${formatBytes(progress.sentBytes / seconds)}/s)`
    )
  }
}
