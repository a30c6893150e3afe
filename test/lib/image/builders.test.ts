import { existsSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CommandOptions, CommandResult, CommandRunner } from '../../../src/lib/command.js'
import { UserError } from '../../../src/lib/errors.js'
import { silentLog } from '../../../src/lib/log.js'
import {
  buildahBudArgs,
  buildahPushArgs,
  writeInsecureRegistriesConf
} from '../../../src/lib/image/buildah-builder.js'
import {
  selectBuilder,
  type BuildRequest,
  type ImageBuilder
} from '../../../src/lib/image/builders.js'
import { BuildxBuilder, buildxArgs } from '../../../src/lib/image/buildx-builder.js'
import { dockerBuildArgs, pushedDigest } from '../../../src/lib/image/docker-builder.js'
import { parseImageReference } from '../../../src/lib/oci/reference.js'

let context: string
const digest = `sha256:${'ab'.repeat(32)}`

beforeAll(async () => {
  context = await mkdtemp(join(tmpdir(), 'builders-'))
  await writeFile(join(context, 'Dockerfile'), 'FROM scratch\n')
})
afterAll(() => rm(context, { recursive: true, force: true }))

function request(overrides: Partial<BuildRequest> = {}): BuildRequest {
  return {
    image: parseImageReference('ghcr.io/org/model')!,
    tags: ['1.2.3', 'latest'],
    labels: { 'org.opencontainers.image.version': '1.2.3' },
    context,
    buildArgs: { MODEL: 'iris; rm -rf /' },
    platforms: [],
    push: true,
    cacheFrom: [],
    cacheTo: [],
    secrets: [],
    insecure: false,
    workDir: context,
    log: silentLog,
    ...overrides
  }
}

/** Records every call and answers like the real tool would. */
function fakeRunner(
  answer: (
    file: string,
    args: readonly string[],
    options?: CommandOptions
  ) => Partial<CommandResult> | Promise<Partial<CommandResult>>
) {
  const calls: { file: string; args: readonly string[]; input?: string }[] = []
  const run: CommandRunner = async (file, args, options) => {
    calls.push({
      file,
      args,
      ...(options?.input !== undefined ? { input: String(options.input) } : {})
    })
    return {
      code: 0,
      stdout: '',
      stderr: '',
      durationMs: 1,
      ...(await answer(file, args, options))
    }
  }
  return { run, calls }
}

describe('buildx builder', () => {
  it('builds the argument array with cache, platforms, secrets, target and the metadata file', () => {
    const args = buildxArgs(
      request({
        platforms: ['linux/amd64', 'linux/arm64'],
        target: 'serve',
        cacheFrom: ['type=gha'],
        cacheTo: ['type=gha,mode=max'],
        secrets: [
          { id: 'hf_token', env: 'HF_TOKEN' },
          { id: 'netrc', src: '/home/runner/.netrc' }
        ]
      }),
      '/tmp/meta.json'
    )
    expect(args).toEqual([
      'buildx',
      'build',
      '--file',
      join(context, 'Dockerfile'),
      '--tag',
      'ghcr.io/org/model:1.2.3',
      '--tag',
      'ghcr.io/org/model:latest',
      '--label',
      'org.opencontainers.image.version=1.2.3',
      '--build-arg',
      'MODEL=iris; rm -rf /',
      '--platform',
      'linux/amd64,linux/arm64',
      '--target',
      'serve',
      '--cache-from',
      'type=gha',
      '--cache-to',
      'type=gha,mode=max',
      '--secret',
      'id=hf_token,env=HF_TOKEN',
      '--secret',
      'id=netrc,src=/home/runner/.netrc',
      '--metadata-file',
      '/tmp/meta.json',
      '--push',
      context
    ])
  })

  it('pushes to an insecure registry through the image exporter, and loads when not pushing', () => {
    expect(buildxArgs(request({ insecure: true }), '/m')).toContain(
      'type=image,push=true,registry.insecure=true'
    )
    expect(buildxArgs(request({ push: false }), '/m')).toContain('--load')
    expect(() =>
      buildxArgs(request({ push: false, platforms: ['linux/amd64', 'linux/arm64'] }), '/m')
    ).toThrow(UserError)
  })

  it('refuses secret specs that would break the comma-separated syntax', () => {
    expect(() => buildxArgs(request({ secrets: [{ id: 'x', src: '/a,b' }] }), '/m')).toThrow(
      'Build secret "x" needs env=NAME or src=PATH'
    )
    expect(() => buildxArgs(request({ secrets: [{ id: 'a,b', env: 'X' }] }), '/m')).toThrow(
      UserError
    )
  })

  it('reads the digest from the metadata file; credentials live in a private DOCKER_CONFIG for the build only', async () => {
    const home = await mkdtemp(join(tmpdir(), 'home-'))
    const runnerConfig = join(home, '.docker')
    await mkdir(join(runnerConfig, 'cli-plugins'), { recursive: true })
    // An earlier step's login, which must survive (docker login + logout used to erase it).
    const earlier = {
      auths: { 'registry.example': { auth: 'ZWFybGllcjpsb2dpbg==' } },
      credsStore: 'pass'
    }
    await writeFile(join(runnerConfig, 'config.json'), JSON.stringify(earlier))
    const workDir = await mkdtemp(join(tmpdir(), 'work-'))
    let seen: {
      dir?: string
      config?: Record<string, unknown>
      plugins?: boolean
      mode?: number
    } = {}
    const { run, calls } = fakeRunner(async (_file, args, options) => {
      const at = args.indexOf('--metadata-file')
      if (at >= 0) {
        await writeFile(args[at + 1] as string, JSON.stringify({ 'containerimage.digest': digest }))
        const dir = options?.env?.DOCKER_CONFIG as string
        seen = {
          dir,
          config: JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')),
          plugins: existsSync(join(dir, 'cli-plugins')),
          mode: statSync(dir).mode & 0o777
        }
      }
      return {}
    })
    const result = await new BuildxBuilder(run, { HOME: home }).build(
      request({ credentials: { username: 'bot', password: 'pw-secret' }, workDir })
    )
    expect(result).toMatchObject({ builder: 'buildx', digest, image: 'ghcr.io/org/model' })
    // No docker login or logout: one command, the build, with the private configuration.
    expect(calls.map(c => c.args[0])).toEqual(['buildx'])
    expect(calls.flatMap(c => c.args).join(' ')).not.toContain('pw-secret')
    expect(seen.dir?.startsWith(workDir)).toBe(true)
    expect(seen.config).toEqual({
      auths: {
        'registry.example': { auth: 'ZWFybGllcjpsb2dpbg==' },
        'ghcr.io': { auth: Buffer.from('bot:pw-secret').toString('base64') }
      },
      credHelpers: {}
    })
    expect(seen.plugins).toBe(true)
    expect(seen.mode).toBe(0o700)
    // Afterwards: the private configuration is gone, the runner's own is untouched.
    expect(existsSync(seen.dir as string)).toBe(false)
    expect(JSON.parse(await readFile(join(runnerConfig, 'config.json'), 'utf8'))).toEqual(earlier)
  })
})

describe('docker and buildah argument arrays', () => {
  it('classic docker build refuses what only BuildKit can do', () => {
    expect(dockerBuildArgs(request())).toEqual([
      'build',
      '--file',
      join(context, 'Dockerfile'),
      '--tag',
      'ghcr.io/org/model:1.2.3',
      '--tag',
      'ghcr.io/org/model:latest',
      '--label',
      'org.opencontainers.image.version=1.2.3',
      '--build-arg',
      'MODEL=iris; rm -rf /',
      context
    ])
    expect(() => dockerBuildArgs(request({ secrets: [{ id: 's', env: 'S' }] }))).toThrow(
      'no build secrets'
    )
    expect(() => dockerBuildArgs(request({ cacheTo: ['type=gha'] }))).toThrow(
      'cannot export a cache'
    )
    expect(pushedDigest(`1.2.3: digest: ${digest} size: 527`)).toBe(digest)
  })

  it('buildah defaults to chroot isolation and passes the storage options', () => {
    const bud = buildahBudArgs(request({ insecure: true }), '/auth.json')
    expect(bud.slice(0, 3)).toEqual(['bud', '--isolation', 'chroot'])
    // Never --tls-verify=false: it would also take TLS off the FROM pulls (registries.conf instead).
    expect(bud).not.toContain('--tls-verify=false')
    expect(bud.slice(-3)).toEqual(['--authfile', '/auth.json', context])
    expect(buildahPushArgs(request(), 'ghcr.io/org/model:1.2.3', '/d')).toEqual([
      'push',
      '--digestfile',
      '/d',
      'ghcr.io/org/model:1.2.3',
      'docker://ghcr.io/org/model:1.2.3'
    ])
  })
})

describe('plain HTTP for buildah', () => {
  it('names only the target registry as insecure, after the system configuration', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'buildah-conf-'))
    const path = await writeInsecureRegistriesConf(dir, '127.0.0.1:5000')
    const text = await readFile(path, 'utf8')
    expect(text.endsWith('[[registry]]\nlocation = "127.0.0.1:5000"\ninsecure = true\n')).toBe(true)
    expect(text.match(/^insecure = true$/gm)).toHaveLength(1)
    expect(statSync(path).mode & 0o777).toBe(0o600)
  })
})

describe('builder selection', () => {
  const fake = (name: ImageBuilder['name'], available: boolean): ImageBuilder => ({
    name,
    available: async () => available,
    build: async () => {
      throw new Error('not in this test')
    }
  })

  it('auto takes the first available Dockerfile builder and says why', async () => {
    const builders = [
      fake('buildx', false),
      fake('docker', false),
      fake('buildah', true),
      fake('oci-layer', true)
    ]
    const chosen = await selectBuilder('auto', builders, { context })
    expect(chosen.builder.name).toBe('buildah')
    expect(chosen.reason).toBe(
      `auto: buildah (not available: buildx, docker) for ${join(context, 'Dockerfile')}`
    )
  })

  it('auto without a Dockerfile uses oci-layer, which needs base-image and model-path', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-dockerfile-'))
    const builders = [fake('buildx', true), fake('oci-layer', true)]
    const chosen = await selectBuilder('auto', builders, {
      context: empty,
      baseImage: parseImageReference('busybox')!,
      modelPath: empty
    })
    expect(chosen.builder.name).toBe('oci-layer')
    await expect(selectBuilder('auto', builders, { context: empty })).rejects.toThrow(
      'oci-layer needs both base-image and model-path'
    )
    await rm(empty, { recursive: true })
  })

  it('an explicitly chosen builder that is missing fails before any build', async () => {
    await expect(selectBuilder('buildx', [fake('buildx', false)], { context })).rejects.toThrow(
      'Builder "buildx" is not available on this runner: install Docker Buildx (docker/setup-buildx-action).'
    )
  })
})
