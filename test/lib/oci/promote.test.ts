import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCommand } from '../../../src/lib/command.js'
import { UserError } from '../../../src/lib/errors.js'
import { buildOciLayerImage } from '../../../src/lib/image/oci-layer.js'
import { imageTags } from '../../../src/lib/image/tags.js'
import { findImageForTree, promoteImage } from '../../../src/lib/oci/promote.js'
import { parseImageReference } from '../../../src/lib/oci/reference.js'
import { RegistryClient } from '../../../src/lib/oci/registry-client.js'
import { pushBusyboxBase } from '../../support/base-images.js'
import { startRegistry, type TestRegistry } from '../../support/registry.js'

let registry: TestRegistry
let work: string
let built: { digest: string }
const tree = 'a'.repeat(40)
const client = (host: string) => new RegistryClient({ registry: host, insecure: true })
const ref = (text: string) => parseImageReference(text)!

async function skopeoDigest(image: string): Promise<string> {
  const { stdout } = await runCommand('skopeo', [
    'inspect',
    '--tls-verify=false',
    `docker://${image}`
  ])
  return (JSON.parse(stdout) as { Digest: string }).Digest
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'promote-'))
  registry = await startRegistry()
  const base = await pushBusyboxBase(registry.host, 'base/busybox', {
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' }
    ]
  })
  await writeFile(join(work, 'model.bin'), 'weights')
  built = await buildOciLayerImage({
    baseImage: ref(base.ref),
    image: ref(`${registry.host}/staging/model`),
    tags: imageTags({ version: '1.4.0-rc.1', tree }),
    modelPath: work,
    platform: 'all',
    created: new Date(0),
    client,
    cacheDir: false
  })
})

afterAll(async () => {
  await registry?.stop()
  await rm(work, { recursive: true, force: true })
})

describe('promotion without rebuild', () => {
  it('finds the image built for a tree by its tree tag', async () => {
    expect(await findImageForTree(client(registry.host), 'staging/model', tree)).toEqual({
      tag: `tree-${tree}`,
      digest: built.digest,
      mediaType: 'application/vnd.oci.image.index.v1+json'
    })
    expect(
      await findImageForTree(client(registry.host), 'staging/model', 'b'.repeat(40))
    ).toBeUndefined()
  })

  it('tags the same digest in the same repository', async () => {
    const result = await promoteImage({
      from: ref(`${registry.host}/staging/model@${built.digest}`),
      to: ref(`${registry.host}/staging/model`),
      tags: ['1.4.0', 'latest'],
      client
    })
    expect(result.digest).toBe(built.digest)
    expect(await skopeoDigest(`${registry.host}/staging/model:1.4.0`)).toBe(built.digest)
    expect(await skopeoDigest(`${registry.host}/staging/model:latest`)).toBe(built.digest)
  })

  it('copies a multi-platform image into another repository (mounting blobs) with the digest unchanged', async () => {
    const result = await promoteImage({
      from: ref(`${registry.host}/staging/model:tree-${tree}`),
      to: ref(`${registry.host}/prod/model`),
      tags: ['1.4.0'],
      client
    })
    expect(result.digest).toBe(built.digest)
    expect(result.copiedBlobs).toBeGreaterThan(0)
    expect(await skopeoDigest(`${registry.host}/prod/model:1.4.0`)).toBe(built.digest)
    const { stdout } = await runCommand('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--override-arch',
      'arm64',
      `docker://${registry.host}/prod/model:1.4.0`
    ])
    expect((JSON.parse(stdout) as { Architecture: string }).Architecture).toBe('arm64')
  })

  it('fails when a tag does not read back with the promoted digest', async () => {
    const lying = (host: string) =>
      new RegistryClient({
        registry: host,
        insecure: true,
        fetch: async (input, init) => {
          const response = await fetch(input, init)
          if (init?.method !== 'HEAD' || !String(input).endsWith('/manifests/rewritten'))
            return response
          const headers = new Headers(response.headers)
          headers.set('docker-content-digest', `sha256:${'0'.repeat(64)}`)
          return new Response(null, { status: response.status, headers })
        }
      })
    const error = await promoteImage({
      from: ref(`${registry.host}/staging/model@${built.digest}`),
      to: ref(`${registry.host}/staging/model`),
      tags: ['rewritten'],
      client: lying
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toBe(
      `Promotion changed the digest: ${registry.host}/staging/model:rewritten is sha256:${'0'.repeat(64)}, ` +
        `but ${registry.host}/staging/model@${built.digest} is ${built.digest}.`
    )
  })

  it('refuses an image that does not exist', async () => {
    await expect(
      promoteImage({
        from: ref(`${registry.host}/staging/model:nope`),
        to: ref(`${registry.host}/prod/model`),
        tags: ['x'],
        client
      })
    ).rejects.toThrow(`The image to promote, ${registry.host}/staging/model:nope, was not found.`)
  })
})
