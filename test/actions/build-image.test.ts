/**
 * build-image, bundled and run as the runner runs it, against a real registry (Debian's
 * docker-registry on loopback), with buildah, dockerd's classic builder and oci-layer building
 * the example model's image, and skopeo reading back what was pushed.
 */
import { cpSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCommand } from '../../src/lib/command.js'
import { prepareImageContext } from '../examples/model-repo.js'
import { runActionBundle, type ActionRun } from '../harness/run-action.js'
import { pushBusyboxBase, type BaseImage } from '../support/base-images.js'
import { startDockerd, type TestDockerd } from '../support/dockerd.js'
import { startGitHubSimulator, type GitHubSimulator } from '../github-sim/index.js'
import { Octokit } from '@octokit/rest'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js'
import { GitRepo } from '../support/git-repo.js'
import { startRegistry, type TestRegistry } from '../support/registry.js'

let registry: TestRegistry
let base: BaseImage
let repo: GitRepo

beforeAll(async () => {
  registry = await startRegistry()
  base = await pushBusyboxBase(registry.host, 'base/serving')
  // A model repository with the example's sources, a trained model and busybox for the image.
  repo = GitRepo.create('main')
  await prepareImageContext(repo.dir, { latencySamples: 0 })
  writeFileSync(join(repo.dir, '.gitignore'), 'busybox\n')
  repo.git('add', '-A')
  repo.git('commit', '-q', '-m', 'model')
}, 120_000)

afterAll(async () => {
  await registry?.stop()
})

interface Inspected {
  Digest: string
  Labels: Record<string, string>
  Layers: string[]
}

async function inspect(ref: string): Promise<Inspected> {
  const { stdout } = await runCommand('skopeo', [
    'inspect',
    '--tls-verify=false',
    `docker://${ref}`
  ])
  return JSON.parse(stdout) as Inspected
}

function build(
  inputs: Record<string, string>,
  env: Record<string, string> = {}
): Promise<ActionRun> {
  return runActionBundle('build-image', {
    workspace: repo.dir,
    inputs: { 'insecure-registry': 'true', ...inputs },
    env: { GITHUB_SHA: repo.head(), ...env }
  })
}

describe('oci-layer', () => {
  test('adds the model as a layer on the base; skopeo agrees with every output; the same inputs give the same digest', async () => {
    const inputs = {
      image: `${registry.host}/models/iris`,
      builder: 'oci-layer',
      'base-image': base.ref,
      'model-path': 'model',
      version: '1.2.0'
    }
    const run = await build(inputs)
    expect(run.exitCode).toBe(0)
    const sha = repo.head()
    const tree = repo.git('rev-parse', 'HEAD^{tree}')
    expect(run.outputs.image).toBe(`${registry.host}/models/iris`)
    expect(run.outputs['image-ref']).toBe(`${run.outputs.image}@${run.outputs.digest}`)
    expect(run.outputs.tags?.split('\n')).toEqual(
      ['1.2.0', '1.2', '1', 'latest', `sha-${sha.slice(0, 7)}`, `tree-${tree}`].map(
        t => `${run.outputs.image}:${t}`
      )
    )
    for (const ref of run.outputs.tags!.split('\n')) {
      expect((await inspect(ref)).Digest).toBe(run.outputs.digest)
    }
    const image = await inspect(`${run.outputs.image}:1.2.0`)
    expect(image.Labels).toMatchObject({
      'org.opencontainers.image.version': '1.2.0',
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.source': 'https://github.com/acme/model-repo',
      'org.mlops-actions.tree': tree,
      'org.opencontainers.image.created': new Date(
        Number(repo.git('log', '-1', '--format=%ct')) * 1000
      )
        .toISOString()
        .replace('.000Z', 'Z')
    })
    expect(image.Layers).toHaveLength(2)
    expect(image.Layers[0]).toBe(base.layerDigest)
    expect(JSON.parse(run.outputs.metadata!)).toMatchObject({
      builder: 'oci-layer',
      digest: run.outputs.digest
    })
    expect(run.summary).toContain(run.outputs.digest)
    expect(run.summary).toContain('Layers')

    const again = await build(inputs)
    expect(again.outputs.digest).toBe(run.outputs.digest)
  })

  test('a pre-release never moves latest', async () => {
    const run = await build({
      image: `${registry.host}/models/pre`,
      builder: 'oci-layer',
      'base-image': base.ref,
      'model-path': 'model',
      version: '1.3.0-beta.2'
    })
    expect(run.exitCode).toBe(0)
    const tags = run.outputs.tags!.split('\n').map(t => t.split(':').pop())
    expect(tags).toContain('1.3.0-beta.2')
    expect(tags).not.toContain('latest')
    expect(tags).not.toContain('1.3')
  })

  test('a one-byte change in the model gives another digest', async () => {
    const changed = GitRepo.create('main')
    cpSync(join(repo.dir, 'model'), join(changed.dir, 'model'), { recursive: true })
    changed.git('add', '-A')
    changed.git('commit', '-q', '-m', 'copy')
    const inputs = {
      image: `${registry.host}/models/bytes`,
      builder: 'oci-layer',
      'base-image': base.ref,
      'model-path': 'model'
    }
    const env = { SOURCE_DATE_EPOCH: '1700000000' }
    const first = await runActionBundle('build-image', {
      workspace: changed.dir,
      inputs: { 'insecure-registry': 'true', ...inputs },
      env
    })
    writeFileSync(join(changed.dir, 'model', 'extra.txt'), 'x')
    const second = await runActionBundle('build-image', {
      workspace: changed.dir,
      inputs: { 'insecure-registry': 'true', ...inputs },
      env
    })
    expect(first.exitCode).toBe(0)
    expect(second.exitCode).toBe(0)
    expect(second.outputs.digest).not.toBe(first.outputs.digest)
  })
})

describe('promotion without rebuild', () => {
  let github: GitHubSimulator
  beforeAll(async () => {
    github = await startGitHubSimulator({ acceptAnySha: true })
  })
  afterAll(async () => {
    try {
      github?.assertNoViolations()
    } finally {
      await github?.stop()
    }
  })

  /** What a deploy of this tree's image records: a Deployment whose audit payload names both. */
  async function recordDeployment(tree: string, digest: string): Promise<void> {
    const octokit = new Octokit({ auth: 'ghs_seed', baseUrl: github.url })
    await octokit.rest.repos.createDeployment({
      owner: 'acme',
      repo: 'model-repo',
      ref: repo.head(),
      environment: 'dev',
      auto_merge: false,
      required_contexts: [],
      payload: { tree, digest, release: 'model' }
    })
  }

  test('an image tagged for this tree that no deployment of this repository recorded is not trusted', async () => {
    const image = `${registry.host}/models/planted`
    const planted = await build({
      image,
      builder: 'oci-layer',
      'base-image': base.ref,
      'model-path': 'model',
      version: '4.0.0-beta.1'
    })
    expect(planted.exitCode).toBe(0)
    // Someone with push access tagged tree-<hash>; nothing in GitHub says this repository built it.
    const guarded = await build(
      { image, 'reuse-tree': 'true', version: '4.0.0', 'expected-digest': planted.outputs.digest! },
      github.env
    )
    expect(guarded.exitCode).toBe(1)
    expect(guarded.errors[0]).toContain(
      'no deployment of acme/model-repo records that digest for this tree'
    )
    await expect(inspect(`${image}:4.0.0`)).rejects.toThrow()
  })

  test('promote-from gives new tags to the same digest; reuse-tree finds the image built for this tree', async () => {
    const image = `${registry.host}/models/promote`
    const staging = await build({
      image,
      builder: 'oci-layer',
      'base-image': base.ref,
      'model-path': 'model',
      version: '2.0.0-beta.1'
    })
    expect(staging.exitCode).toBe(0)

    const byTag = await build({
      image: `${registry.host}/models/prod`,
      'promote-from': `${image}:2.0.0-beta.1`,
      version: '2.0.0'
    })
    expect(byTag.exitCode).toBe(0)
    expect(byTag.outputs.digest).toBe(staging.outputs.digest)
    expect((await inspect(`${registry.host}/models/prod:2.0.0`)).Digest).toBe(
      staging.outputs.digest
    )

    await recordDeployment(repo.git('rev-parse', 'HEAD^{tree}'), staging.outputs.digest!)
    const reused = await build(
      {
        image,
        'reuse-tree': 'true',
        version: '2.0.0',
        'expected-digest': staging.outputs.digest!
      },
      github.env
    )
    expect(reused.exitCode).toBe(0)
    expect(reused.outputs.digest).toBe(staging.outputs.digest)
    expect(reused.stdout).toContain('Build once')
    expect(reused.stdout).toContain('recorded by GitHub deployment')
    expect((await inspect(`${image}:latest`)).Digest).toBe(staging.outputs.digest)
  })

  test('a digest other than the tested one stops the promotion before any tag moves', async () => {
    const image = `${registry.host}/models/guarded`
    const staging = await build({
      image,
      builder: 'oci-layer',
      'base-image': base.ref,
      'model-path': 'model',
      version: '3.0.0-beta.1'
    })
    const wrong = `sha256:${'0'.repeat(64)}`
    await recordDeployment(repo.git('rev-parse', 'HEAD^{tree}'), staging.outputs.digest!)
    const run = await build(
      { image, 'reuse-tree': 'true', version: '3.0.0', 'expected-digest': wrong },
      github.env
    )
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toContain(`not the tested ${wrong}`)
    expect(run.errors[0]).toContain(staging.outputs.digest)
    await expect(inspect(`${image}:3.0.0`)).rejects.toThrow()
  })

  test('expected-digest with nothing to promote refuses to rebuild', async () => {
    const run = await build({
      image: `${registry.host}/models/never-built`,
      'reuse-tree': 'true',
      builder: 'oci-layer',
      'base-image': base.ref,
      'model-path': 'model',
      'expected-digest': `sha256:${'1'.repeat(64)}`
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toContain('must be promoted, not rebuilt')
  })
})

describe('Dockerfile builders', () => {
  let dockerd: TestDockerd

  beforeAll(async () => {
    dockerd = await startDockerd([registry.host])
  }, 60_000)
  afterAll(async () => {
    await dockerd?.stop()
  })

  test('buildah builds the Containerfile daemonless (chroot isolation) and pushes; skopeo agrees', async () => {
    const run = await build({
      image: `${registry.host}/models/buildah`,
      builder: 'buildah',
      file: 'Containerfile.test',
      'storage-driver': 'vfs',
      version: '1.0.0'
    })
    expect(run.exitCode).toBe(0)
    expect((await inspect(`${registry.host}/models/buildah:1.0.0`)).Digest).toBe(run.outputs.digest)
    expect(
      (await inspect(`${registry.host}/models/buildah:1.0.0`)).Labels[
        'org.opencontainers.image.version'
      ]
    ).toBe('1.0.0')
  })

  test('docker (classic builder) builds and pushes; auto picks it when buildx is absent', async () => {
    const run = await build(
      {
        image: `${registry.host}/models/docker`,
        builder: 'auto',
        file: 'Containerfile.test',
        version: '1.0.0'
      },
      { DOCKER_HOST: dockerd.host }
    )
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/auto: docker/)
    expect((await inspect(`${registry.host}/models/docker:1.0.0`)).Digest).toBe(run.outputs.digest)
  })
})

describe('bad inputs fail before anything is built', () => {
  test.each([
    ['builder', 'kaniko', 'auto, buildx, docker, buildah, oci-layer'],
    ['image', 'Not A Reference', 'an image reference'],
    ['image', '127.0.0.1:5000/model:1.0', 'without a tag'],
    ['version', '1.2', 'a semantic version'],
    ['tags', 'ok,bad tag;rm -rf /', 'OCI tags'],
    ['build-args', 'A=1\n$(id)', 'KEY=VALUE'],
    ['insecure-registry', 'yes', 'true or false'],
    ['promote-from', 'x y', 'an image reference']
  ])('%s=%j', async (input, value, accepted) => {
    const run = await build({ image: `${registry.host}/models/bad`, [input]: value })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toContain(`"${input}"`)
    expect(run.errors[0]).toContain(accepted)
    expect(run.outputs).toEqual({})
  })
})

test('plain HTTP is refused for a registry that is not local', async () => {
  const run = await build({
    image: 'ghcr.io/acme/model',
    builder: 'oci-layer',
    'base-image': base.ref,
    'model-path': 'model'
  })
  expect(run.exitCode).toBe(1)
  expect(run.errors[0]).toContain('Input "insecure-registry"')
  expect(run.errors[0]).toContain('plain HTTP is allowed only for local registries')
})

describe('registry authentication (a token-auth proxy in front of the real registry)', () => {
  let proxy: FaultProxy
  beforeAll(async () => {
    proxy = await startFaultProxy(registry.url, {
      scheme: 'bearer',
      username: 'ci',
      password: 'hunter2-secret-value'
    })
  })
  afterAll(async () => {
    await proxy?.stop()
  })

  const authed = (password: string) =>
    build({
      image: `${proxy.host}/models/private`,
      builder: 'oci-layer',
      'base-image': base.ref,
      'model-path': 'model',
      version: '1.0.0',
      username: 'ci',
      password
    })

  test('username and password log in through the bearer token flow; the password is masked', async () => {
    const run = await authed('hunter2-secret-value')
    expect(run.exitCode).toBe(0)
    expect(run.masks).toContain('hunter2-secret-value')
    const unmasked = run.stdout.split('\n').filter(line => !line.startsWith('::add-mask::'))
    expect(unmasked.join('\n')).not.toContain('hunter2-secret-value')
    expect(proxy.tokenScopes.length).toBeGreaterThan(0)
    // Derived credentials are masked where they are made: the Basic header's base64 and every
    // bearer token the token service issued.
    expect(run.masks).toContain(Buffer.from('ci:hunter2-secret-value').toString('base64'))
    expect(proxy.issuedTokens.size).toBeGreaterThan(0)
    for (const token of proxy.issuedTokens) expect(run.masks).toContain(token)
    // The build's private directory (credential files) is gone; the post step ran clean.
    expect(run.state['work-dir']).toMatch(/\/build-image-[A-Za-z0-9]{6}$/)
    expect(existsSync(run.state['work-dir'] as string)).toBe(false)
    expect(run.post?.exitCode).toBe(0)
  })

  test('a wrong password is a clear error naming the registry, never the password', async () => {
    const run = await authed('wrong-password-value')
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toContain(proxy.host)
    expect(
      run.stdout
        .split('\n')
        .filter(line => !line.startsWith('::add-mask::'))
        .join('\n')
    ).not.toContain('wrong-password-value')
  })
})
