import { runCommand, type CommandRunner } from '../command.js'
import { UserError } from '../errors.js'
import { imageName } from '../oci/reference.js'
import {
  commandSucceeds,
  findDockerfile,
  keyValueArgs,
  taggedNames,
  type BuildRequest,
  type ImageBuilder
} from './builders.js'
import { withDockerLogin } from './docker-login.js'
import type { BuildResult } from './oci-layer.js'

/** The classic builder (`docker build`, then `docker push`), for runners without buildx. */
export class DockerBuilder implements ImageBuilder {
  readonly name = 'docker' as const

  constructor(
    private readonly run: CommandRunner = runCommand,
    private readonly env: NodeJS.ProcessEnv = process.env
  ) {}

  available(): Promise<boolean> {
    return commandSucceeds(
      this.run,
      'docker',
      ['version', '--format', '{{.Server.Version}}'],
      this.env
    )
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    const started = Date.now()
    // Newer docker CLIs send `docker build` to BuildKit; this builder is the classic one.
    const baseEnv = { ...this.env, ...request.env, DOCKER_BUILDKIT: '0' }
    const names = taggedNames(request)
    const args = dockerBuildArgs(request)
    const digest = await withDockerLogin(
      request.image.registry,
      request.push ? request.credentials : undefined,
      baseEnv,
      request.workDir,
      async env => {
        await this.run('docker', args, { env, onLine: line => request.log.info(line) })
        if (!request.push) {
          const { stdout } = await this.run(
            'docker',
            ['inspect', '--format', '{{.Id}}', names[0]!],
            { env }
          )
          return stdout.trim()
        }
        const digests = new Set<string>()
        for (const name of names) {
          const { stdout } = await this.run('docker', ['push', name], {
            env,
            onLine: line => request.log.info(line)
          })
          digests.add(pushedDigest(stdout) ?? (await this.repoDigest(name, env)))
        }
        if (digests.size !== 1)
          throw new Error(
            `docker push gave different digests for one image: ${[...digests].join(', ')}`
          )
        return [...digests][0]!
      }
    )
    return {
      builder: 'docker',
      image: imageName(request.image),
      digest,
      tags: request.tags,
      durationMs: Date.now() - started
    }
  }

  private async repoDigest(name: string, env: NodeJS.ProcessEnv): Promise<string> {
    const { stdout } = await this.run(
      'docker',
      ['inspect', '--format', '{{index .RepoDigests 0}}', name],
      { env }
    )
    const digest = stdout.trim().split('@')[1]
    if (!digest) throw new Error(`docker inspect shows no registry digest for ${name}`)
    return digest
  }
}

export function dockerBuildArgs(request: BuildRequest): string[] {
  const dockerfile = findDockerfile(request)
  if (!dockerfile)
    throw new UserError(`No Dockerfile found for docker build in "${request.context}".`)
  if (request.secrets.length)
    throw new UserError(
      'The classic docker builder has no build secrets: use builder buildx or buildah.'
    )
  if (request.cacheTo.length)
    throw new UserError(
      'The classic docker builder cannot export a cache (cache-to): use builder buildx.'
    )
  if (request.platforms.length > 1)
    throw new UserError(
      'The classic docker builder builds one platform: use builder buildx for several.'
    )
  return [
    'build',
    '--file',
    dockerfile,
    ...taggedNames(request).flatMap(name => ['--tag', name]),
    ...keyValueArgs('--label', request.labels),
    ...keyValueArgs('--build-arg', request.buildArgs),
    ...(request.platforms.length ? ['--platform', request.platforms[0]!] : []),
    ...(request.target ? ['--target', request.target] : []),
    ...request.cacheFrom.flatMap(cache => ['--cache-from', cache]),
    request.context
  ]
}

/** `1.2.3: digest: sha256:... size: 1234`, the line `docker push` ends with. */
export function pushedDigest(output: string): string | undefined {
  return /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1]
}
