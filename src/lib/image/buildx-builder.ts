import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCommand, type CommandRunner } from '../command.js'
import { UserError } from '../errors.js'
import { imageName } from '../oci/reference.js'
import {
  commandSucceeds,
  findDockerfile,
  keyValueArgs,
  taggedNames,
  type BuildRequest,
  type BuildSecret,
  type ImageBuilder
} from './builders.js'
import { withDockerLogin } from './docker-login.js'
import type { BuildResult } from './oci-layer.js'

/** `docker buildx build`: BuildKit, with cache export, platforms and secrets. */
export class BuildxBuilder implements ImageBuilder {
  readonly name = 'buildx' as const

  constructor(
    private readonly run: CommandRunner = runCommand,
    private readonly env: NodeJS.ProcessEnv = process.env
  ) {}

  available(): Promise<boolean> {
    return commandSucceeds(this.run, 'docker', ['buildx', 'version'], this.env)
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    const started = Date.now()
    const metadataFile = join(request.workDir, 'buildx-metadata.json')
    await withDockerLogin(
      request.image.registry,
      request.push ? request.credentials : undefined,
      { ...this.env, ...request.env },
      request.workDir,
      env =>
        this.run('docker', buildxArgs(request, metadataFile), {
          env,
          onLine: line => request.log.info(line)
        })
    )
    const metadata = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>
    const digest = metadata['containerimage.digest'] ?? metadata['containerimage.config.digest']
    if (typeof digest !== 'string')
      throw new Error(`buildx wrote no image digest to ${metadataFile}`)
    return {
      builder: 'buildx',
      image: imageName(request.image),
      digest,
      tags: request.tags,
      durationMs: Date.now() - started
    }
  }
}

export function buildxArgs(request: BuildRequest, metadataFile: string): string[] {
  const dockerfile = findDockerfile(request)
  if (!dockerfile) throw new UserError(`No Dockerfile found for buildx in "${request.context}".`)
  if (!request.push && request.platforms.length > 1) {
    throw new UserError(
      'buildx cannot load a multi-platform image into the local daemon: push it, or build one platform.'
    )
  }
  const output = request.push
    ? request.insecure
      ? ['--output', 'type=image,push=true,registry.insecure=true']
      : ['--push']
    : ['--load']
  return [
    'buildx',
    'build',
    '--file',
    dockerfile,
    ...taggedNames(request).flatMap(name => ['--tag', name]),
    ...keyValueArgs('--label', request.labels),
    ...keyValueArgs('--build-arg', request.buildArgs),
    ...(request.platforms.length ? ['--platform', request.platforms.join(',')] : []),
    ...(request.target ? ['--target', request.target] : []),
    ...request.cacheFrom.flatMap(cache => ['--cache-from', cache]),
    ...request.cacheTo.flatMap(cache => ['--cache-to', cache]),
    ...request.secrets.flatMap(secret => ['--secret', secretSpec(secret)]),
    '--metadata-file',
    metadataFile,
    ...output,
    request.context
  ]
}

/** `id=...,env=...` or `id=...,src=...`: comma-separated, so no part may hold a comma or quote. */
export function secretSpec(secret: BuildSecret): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(secret.id)) {
    throw new UserError(`Build secret id "${secret.id}" may hold only letters, digits and _ . -`)
  }
  if (secret.env !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(secret.env))
      throw new UserError(
        `Build secret "${secret.id}": "${secret.env}" is not an environment variable name.`
      )
    return `id=${secret.id},env=${secret.env}`
  }
  if (!secret.src || /[,"]/.test(secret.src)) {
    throw new UserError(
      `Build secret "${secret.id}" needs env=NAME or src=PATH (a path without commas or quotes).`
    )
  }
  return `id=${secret.id},src=${secret.src}`
}
