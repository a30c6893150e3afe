import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCommand, type CommandRunner } from '../command.js'
import { UserError } from '../errors.js'
import { imageName } from '../oci/reference.js'
import { secretSpec } from './buildx-builder.js'
import {
  commandSucceeds,
  findDockerfile,
  keyValueArgs,
  taggedNames,
  type BuildRequest,
  type ImageBuilder
} from './builders.js'
import type { BuildResult } from './oci-layer.js'
import { writeRegistryAuthFile } from './registry-auth-file.js'

export interface BuildahStorage {
  /** `--root` and `--runroot`: where images and run state live (tests use temp dirs). */
  root?: string
  runRoot?: string
}

/** Daemonless Containerfile builds: `buildah bud`, then `buildah push --digestfile`. */
export class BuildahBuilder implements ImageBuilder {
  readonly name = 'buildah' as const

  constructor(
    private readonly run: CommandRunner = runCommand,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly storage: BuildahStorage = {}
  ) {}

  available(): Promise<boolean> {
    return commandSucceeds(this.run, 'buildah', ['version'], this.env)
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    const started = Date.now()
    const env = {
      ...this.env,
      ...request.env,
      ...(request.insecure
        ? {
            CONTAINERS_REGISTRIES_CONF: await writeInsecureRegistriesConf(
              request.workDir,
              request.image.registry
            )
          }
        : {})
    }
    const global = buildahGlobalArgs(request, this.storage)
    const authFile = request.credentials
      ? await writeRegistryAuthFile(
          join(request.workDir, 'buildah-auth'),
          request.image.registry,
          request.credentials
        )
      : undefined
    const names = taggedNames(request)
    await this.run('buildah', [...global, ...buildahBudArgs(request, authFile)], {
      env,
      onLine: line => request.log.info(line)
    })
    for (const name of names.slice(1))
      await this.run('buildah', [...global, 'tag', names[0]!, name], { env })
    if (!request.push) {
      // Not pushed, there is no manifest digest yet: the local image ID is what identifies it.
      const { stdout } = await this.run(
        'buildah',
        [...global, 'images', '--no-trunc', '--quiet', names[0]!],
        { env }
      )
      const id = stdout.trim().split('\n')[0]!
      const digest = id.startsWith('sha256:') ? id : `sha256:${id}`
      return {
        builder: 'buildah',
        image: imageName(request.image),
        digest,
        tags: request.tags,
        durationMs: Date.now() - started
      }
    }
    const digests = new Set<string>()
    for (const [i, name] of names.entries()) {
      const digestFile = join(request.workDir, `buildah-digest-${i}`)
      await this.run(
        'buildah',
        [...global, ...buildahPushArgs(request, name, digestFile, authFile)],
        {
          env,
          onLine: line => request.log.info(line)
        }
      )
      digests.add((await readFile(digestFile, 'utf8')).trim())
    }
    if (digests.size !== 1)
      throw new Error(
        `buildah push gave different digests for one image: ${[...digests].join(', ')}`
      )
    return {
      builder: 'buildah',
      image: imageName(request.image),
      digest: [...digests][0]!,
      tags: request.tags,
      durationMs: Date.now() - started
    }
  }
}

/**
 * Plain HTTP for the target registry only. `--tls-verify=false` would also turn TLS off for the
 * `FROM` pulls of the same build, from any registry; a registries.conf that names just the
 * (local, build-image checks that) target keeps every other registry on verified TLS. The
 * system's own registries.conf comes first, so its search registries and settings still apply.
 */
export async function writeInsecureRegistriesConf(
  workDir: string,
  registry: string
): Promise<string> {
  const system = await readFile(SYSTEM_REGISTRIES_CONF, 'utf8').catch(() => '')
  const path = join(workDir, 'registries.conf')
  await writeFile(
    path,
    `${system}\n# build-image: plain HTTP for the target registry only.\n[[registry]]\nlocation = ${JSON.stringify(registry)}\ninsecure = true\n`,
    { mode: 0o600 }
  )
  return path
}

const SYSTEM_REGISTRIES_CONF = '/etc/containers/registries.conf'

export function buildahGlobalArgs(
  request: Pick<BuildRequest, 'storageDriver'>,
  storage: BuildahStorage
): string[] {
  return [
    ...(storage.root ? ['--root', storage.root] : []),
    ...(storage.runRoot ? ['--runroot', storage.runRoot] : []),
    ...(request.storageDriver ? ['--storage-driver', request.storageDriver] : [])
  ]
}

export function buildahBudArgs(request: BuildRequest, authFile?: string): string[] {
  const file = findDockerfile(request)
  if (!file)
    throw new UserError(`No Containerfile or Dockerfile found for buildah in "${request.context}".`)
  if (request.platforms.length > 1)
    throw new UserError('builder buildah builds one platform per run here: use buildx for several.')
  const layers = request.cacheFrom.length > 0 || request.cacheTo.length > 0
  return [
    'bud',
    '--isolation',
    request.isolation ?? 'chroot',
    '--file',
    file,
    '--tag',
    taggedNames(request)[0]!,
    ...keyValueArgs('--label', request.labels),
    ...keyValueArgs('--build-arg', request.buildArgs),
    ...(request.platforms.length ? ['--platform', request.platforms[0]!] : []),
    ...(request.target ? ['--target', request.target] : []),
    ...(layers ? ['--layers'] : []),
    ...request.cacheFrom.flatMap(cache => ['--cache-from', cache]),
    ...request.cacheTo.flatMap(cache => ['--cache-to', cache]),
    ...request.secrets.flatMap(secret => ['--secret', secretSpec(secret)]),
    ...(authFile ? ['--authfile', authFile] : []),
    request.context
  ]
}

export function buildahPushArgs(
  request: BuildRequest,
  name: string,
  digestFile: string,
  authFile?: string
): string[] {
  return [
    'push',
    '--digestfile',
    digestFile,
    ...(authFile ? ['--authfile', authFile] : []),
    name,
    `docker://${name}`
  ]
}
