import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { CommandRunner } from '../command.js'
import { InputError, UserError } from '../errors.js'
import type { Log } from '../log.js'
import type { RegistryCredentials } from '../oci/auth.js'
import type { ImageReference } from '../oci/reference.js'
import type { RegistryClient } from '../oci/registry-client.js'
import type { LayerCompression } from './layer-blob.js'
import type { BuildResult, OciLayerResult, PushProgress } from './oci-layer.js'

export type { BuildResult } from './oci-layer.js'

export const BUILDER_NAMES = ['auto', 'buildx', 'docker', 'buildah', 'oci-layer'] as const
export type BuilderChoice = (typeof BUILDER_NAMES)[number]
export type BuilderName = Exclude<BuilderChoice, 'auto'>

/** The `builder` input, checked before anything is built. */
export function parseBuilderChoice(text: string): BuilderChoice {
  const value = text.trim() || 'auto'
  if (!(BUILDER_NAMES as readonly string[]).includes(value))
    throw new InputError('builder', text, BUILDER_NAMES.join(', '))
  return value as BuilderChoice
}

export interface BuildSecret {
  id: string
  /** Environment variable holding the secret (preferred: nothing touches the disk). */
  env?: string
  /** File holding the secret. */
  src?: string
}

/** Everything any builder needs; each builder uses its part and refuses what it cannot do. */
export interface BuildRequest {
  /** Registry and repository the tags belong to. */
  image: ImageReference
  tags: string[]
  labels: Record<string, string>
  /** Build context directory (Dockerfile builders). */
  context: string
  /** Dockerfile/Containerfile; default: `Dockerfile`, else `Containerfile`, in the context. */
  file?: string
  buildArgs: Record<string, string>
  /** `os/arch` values; empty means the builder's default. */
  platforms: string[]
  target?: string
  /** Push to the registry (default); false loads into the local daemon (buildx only). */
  push: boolean
  cacheFrom: string[]
  cacheTo: string[]
  secrets: BuildSecret[]
  /** The registry is plain HTTP. */
  insecure: boolean
  credentials?: RegistryCredentials
  /** A private directory for auth files and metadata (0700, e.g. under RUNNER_TEMP). */
  workDir: string
  /** buildah: `chroot` works where no container runtime exists. */
  isolation?: 'chroot' | 'oci' | 'rootless'
  /** buildah: e.g. `vfs` or `overlay`. */
  storageDriver?: string
  /** oci-layer */
  baseImage?: ImageReference
  modelPath?: string
  destination?: string
  platform?: string
  created?: Date
  compression?: LayerCompression
  cacheDir?: string | false
  registryClient?: (registry: string) => RegistryClient
  onProgress?: (progress: PushProgress) => void
  log: Log
  /** Extra environment for the build tools (merged over process.env). */
  env?: NodeJS.ProcessEnv
}

export interface ImageBuilder {
  readonly name: BuilderName
  /** Whether this builder can run here (the tool exists, the daemon answers). */
  available(): Promise<boolean>
  build(request: BuildRequest): Promise<BuildResult | OciLayerResult>
}

/** The Dockerfile a request names, or the one its context holds. */
export function findDockerfile(
  request: Pick<BuildRequest, 'context' | 'file'>
): string | undefined {
  if (request.file) return existsSync(request.file) ? request.file : undefined
  return ['Dockerfile', 'Containerfile']
    .map(name => join(request.context, name))
    .find(path => existsSync(path))
}

export interface BuilderSelection {
  builder: ImageBuilder
  /** Why it was chosen, for the log and the summary. */
  reason: string
}

/**
 * Resolves `builder`. `auto` with a Dockerfile takes the first available of buildx (cache
 * export, multi-platform), docker (the classic builder), buildah (daemonless); without a
 * Dockerfile only oci-layer can build, and it needs a base image and a model path. An explicit
 * choice that is not available fails here, before anything is built.
 */
export async function selectBuilder(
  choice: BuilderChoice,
  builders: ImageBuilder[],
  request: Pick<BuildRequest, 'context' | 'file' | 'baseImage' | 'modelPath'>
): Promise<BuilderSelection> {
  const byName = (name: BuilderName) => builders.find(b => b.name === name)
  if (choice !== 'auto') {
    const builder = byName(choice)
    if (!builder || !(await builder.available())) {
      throw new UserError(`Builder "${choice}" is not available on this runner${hint(choice)}.`)
    }
    return { builder, reason: `builder: ${choice} was requested` }
  }
  const dockerfile = findDockerfile(request)
  if (!dockerfile) {
    const ociLayer = byName('oci-layer')
    if (ociLayer && request.baseImage && request.modelPath) {
      return {
        builder: ociLayer,
        reason: 'auto: no Dockerfile in the context, so oci-layer adds model-path to base-image'
      }
    }
    throw new UserError(
      `builder: auto found no Dockerfile or Containerfile in "${request.context}"${request.file ? ` (file: ${request.file})` : ''}, ` +
        'and oci-layer needs both base-image and model-path.'
    )
  }
  const skipped: string[] = []
  for (const name of ['buildx', 'docker', 'buildah'] as const) {
    const builder = byName(name)
    if (builder && (await builder.available())) {
      return {
        builder,
        reason: `auto: ${name}${skipped.length ? ` (not available: ${skipped.join(', ')})` : ''} for ${dockerfile}`
      }
    }
    skipped.push(name)
  }
  throw new UserError(
    `builder: auto found no Dockerfile builder (tried buildx, docker, buildah)${hint('buildx')}.`
  )
}

function hint(name: BuilderName): string {
  switch (name) {
    case 'buildx':
      return ': install Docker Buildx (docker/setup-buildx-action)'
    case 'docker':
      return ': the docker CLI must reach a running daemon'
    case 'buildah':
      return ': install buildah (apt-get install buildah)'
    default:
      return ''
  }
}

/** `docker` and `buildah` resolve tool availability the same way: a command that exits 0. */
export async function commandSucceeds(
  run: CommandRunner,
  file: string,
  args: string[],
  env?: NodeJS.ProcessEnv
): Promise<boolean> {
  try {
    const result = await run(file, args, {
      check: false,
      timeoutMs: 20_000,
      ...(env ? { env } : {})
    })
    return result.code === 0
  } catch {
    return false
  }
}

export function taggedNames(request: Pick<BuildRequest, 'image' | 'tags'>): string[] {
  if (request.tags.length === 0) throw new UserError('An image build needs at least one tag.')
  return request.tags.map(tag => `${request.image.registry}/${request.image.repository}:${tag}`)
}

export function keyValueArgs(flag: string, values: Record<string, string>): string[] {
  return Object.entries(values).flatMap(([key, value]) => [flag, `${key}=${value}`])
}
