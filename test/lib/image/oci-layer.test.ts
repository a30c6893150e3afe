import { mkdir, mkdtemp, rm, symlink, writeFile, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCommand } from '../../../src/lib/command.js'
import { buildOciLayerImage, type OciLayerRequest } from '../../../src/lib/image/oci-layer.js'
import { MediaType } from '../../../src/lib/oci/media-types.js'
import { parseImageReference, type ImageReference } from '../../../src/lib/oci/reference.js'
import { RegistryClient } from '../../../src/lib/oci/registry-client.js'
import { pushBusyboxBase, type BaseImage } from '../../support/base-images.js'
import { startRegistry, type TestRegistry } from '../../support/registry.js'

let registry: TestRegistry
let base: BaseImage
let work: string
const clients = new Map<string, RegistryClient>()
const client = (host: string) => {
  if (!clients.has(host))
    clients.set(
      host,
      new RegistryClient({ registry: host, insecure: true, retry: { baseDelayMs: 5 } })
    )
  return clients.get(host)!
}

const ref = (text: string): ImageReference => parseImageReference(text)!

async function skopeo(...args: string[]): Promise<unknown> {
  const { stdout } = await runCommand('skopeo', [...args])
  return JSON.parse(stdout)
}

async function modelDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(work, 'model-'))
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true })
    await writeFile(join(dir, name), content)
  }
  return dir
}

function request(overrides: Partial<OciLayerRequest>): OciLayerRequest {
  return {
    baseImage: ref(base.ref),
    image: ref(`${registry.host}/models/iris`),
    tags: ['1.2.3'],
    modelPath: '',
    created: new Date('2026-01-02T03:04:05Z'),
    labels: { 'org.opencontainers.image.version': '1.2.3' },
    client,
    cacheDir: false,
    ...overrides
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'oci-layer-test-'))
  registry = await startRegistry()
  base = await pushBusyboxBase(registry.host, 'base/busybox')
})

afterAll(async () => {
  await registry?.stop()
  await rm(work, { recursive: true, force: true })
})

describe('oci-layer builder against a real registry', () => {
  it('pushes the model as one layer on the base, and skopeo sees the same image', async () => {
    const model = await modelDir({ 'model.pkl': 'weights', 'meta/info.json': '{"a":1}' })
    await chmod(join(model, 'model.pkl'), 0o600)
    await symlink('model.pkl', join(model, 'current'))
    const result = await buildOciLayerImage(
      request({ modelPath: model, tags: ['1.2.3', 'latest'] })
    )

    const inspected = (await skopeo(
      'inspect',
      '--tls-verify=false',
      `docker://${registry.host}/models/iris:1.2.3`
    )) as {
      Digest: string
      Labels: Record<string, string>
      Layers: string[]
      Created: string
    }
    expect(inspected.Digest).toBe(result.digest)
    expect(inspected.Labels).toEqual({
      'test.base': 'busybox',
      'org.opencontainers.image.version': '1.2.3'
    })
    expect(inspected.Layers).toEqual([base.layerDigest, result.layer.digest])
    expect(inspected.Created).toBe('2026-01-02T03:04:05Z')
    const latest = (await skopeo(
      'inspect',
      '--tls-verify=false',
      `docker://${registry.host}/models/iris:latest`
    )) as { Digest: string }
    expect(latest.Digest).toBe(result.digest)

    const config = (await skopeo(
      'inspect',
      '--tls-verify=false',
      '--config',
      `docker://${registry.host}/models/iris:1.2.3`
    )) as {
      rootfs: { diff_ids: string[] }
      history: { created_by: string }[]
    }
    expect(config.rootfs.diff_ids[1]).toBe(result.layer.diffId)
    expect(config.history.at(-1)!.created_by).toBe('oci-layer: COPY model /model')
    expect(result.layerSizes.map(l => l.digest)).toEqual([base.layerDigest, result.layer.digest])
  })

  it('writes a tar with fixed metadata that tar itself reads back', async () => {
    const model = await modelDir({ 'b.bin': 'bbb', 'a/nested.txt': 'nested' })
    await chmod(join(model, 'b.bin'), 0o700)
    await symlink('b.bin', join(model, 'link'))
    const result = await buildOciLayerImage(
      request({ modelPath: model, tags: ['tar-check'], destination: '/opt/model' })
    )
    const blobPath = join(work, 'layer.tgz')
    const response = await fetch(`${registry.url}/v2/models/iris/blobs/${result.layer.digest}`)
    await writeFile(blobPath, Buffer.from(await response.arrayBuffer()))
    const { stdout } = await runCommand('tar', ['-tvzf', blobPath, '--numeric-owner'])
    const lines = stdout
      .trim()
      .split('\n')
      .map(l => l.replace(/\s+/g, ' '))
    // Not opt/ itself: the base image's directory keeps its owner and mode.
    expect(lines).toEqual([
      'drwxr-xr-x 0/0 0 1970-01-01 00:00 opt/model/',
      'drwxr-xr-x 0/0 0 1970-01-01 00:00 opt/model/a/',
      '-rw-r--r-- 0/0 6 1970-01-01 00:00 opt/model/a/nested.txt',
      '-rwxr-xr-x 0/0 3 1970-01-01 00:00 opt/model/b.bin',
      'lrwxrwxrwx 0/0 0 1970-01-01 00:00 opt/model/link -> b.bin'
    ])
  })

  it('gives the same digest for the same inputs and a different one after a one-byte change', async () => {
    const files = { 'model.bin': 'x'.repeat(10_000), 'config.json': '{}' }
    const first = await buildOciLayerImage(
      request({ modelPath: await modelDir(files), tags: ['same-a'] })
    )
    const second = await buildOciLayerImage(
      request({ modelPath: await modelDir(files), tags: ['same-b'] })
    )
    expect(second.digest).toBe(first.digest)
    expect(second.layer.digest).toBe(first.layer.digest)
    const changed = await buildOciLayerImage(
      request({ modelPath: await modelDir({ ...files, 'config.json': '{ ' }), tags: ['same-c'] })
    )
    expect(changed.layer.digest).not.toBe(first.layer.digest)
    expect(changed.digest).not.toBe(first.digest)
  })

  it('skips everything on a re-run with nothing changed, using the layer cache', async () => {
    const model = await modelDir({ 'weights.bin': 'w'.repeat(100_000) })
    const cacheDir = join(work, 'cache')
    const first = await buildOciLayerImage(request({ modelPath: model, tags: ['rerun'], cacheDir }))
    expect(first.unchanged).toBe(false)
    const again = await buildOciLayerImage(request({ modelPath: model, tags: ['rerun'], cacheDir }))
    expect(again.digest).toBe(first.digest)
    expect(again.unchanged).toBe(true)
    expect(again.layer.outcome).toBe('cached-exists')
  })

  it('mounts the base layers from the base repository instead of uploading them', async () => {
    const model = await modelDir({ 'm.txt': 'mount' })
    const seen: string[] = []
    const recording = new RegistryClient({
      registry: registry.host,
      insecure: true,
      fetch: (input, init) => {
        seen.push(`${init?.method ?? 'GET'} ${String(input)}`)
        return fetch(input, init)
      }
    })
    const result = await buildOciLayerImage(
      request({
        modelPath: model,
        image: ref(`${registry.host}/other/app`),
        tags: ['v1'],
        client: () => recording
      })
    )
    expect(seen).toContainEqual(
      expect.stringMatching(
        /^POST .*\/v2\/other\/app\/blobs\/uploads\/\?mount=sha256%3A[0-9a-f]+&from=base%2Fbusybox$/
      )
    )
    // Only the model layer and the config are uploaded: two upload sessions, no more.
    expect(seen.filter(s => /^POST .*uploads\/$/.test(s))).toHaveLength(2)
    const inspected = (await skopeo(
      'inspect',
      '--tls-verify=false',
      `docker://${registry.host}/other/app:v1`
    )) as { Layers: string[] }
    expect(inspected.Layers[0]).toBe(base.layerDigest)
    expect(result.digest).toMatch(/^sha256:/)
  })

  it('picks linux/amd64 from a multi-platform base, or rebuilds every platform with `all`', async () => {
    const index = await pushBusyboxBase(registry.host, 'base/multi', {
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' }
      ]
    })
    const model = await modelDir({ 'm.txt': 'multi' })
    const single = await buildOciLayerImage(
      request({ baseImage: ref(index.ref), modelPath: model, tags: ['one'] })
    )
    expect(single.mediaType).toBe(MediaType.ociManifest)
    expect(single.manifests.map(m => m.platform)).toEqual(['linux/amd64'])
    const arm = (await skopeo(
      'inspect',
      '--tls-verify=false',
      '--override-arch',
      'arm64',
      `docker://${registry.host}/models/iris:one`
    )) as {
      Architecture: string
    }
    expect(arm.Architecture).toBe('amd64')

    const all = await buildOciLayerImage(
      request({ baseImage: ref(index.ref), modelPath: model, tags: ['all'], platform: 'all' })
    )
    expect(all.mediaType).toBe(MediaType.ociIndex)
    expect(all.manifests.map(m => m.platform)).toEqual(['linux/amd64', 'linux/arm64/v8'])
    const raw = (await skopeo(
      'inspect',
      '--tls-verify=false',
      '--raw',
      `docker://${registry.host}/models/iris:all`
    )) as {
      manifests: { digest: string }[]
    }
    expect(raw.manifests.map(m => m.digest)).toEqual(all.manifests.map(m => m.digest))
    const armImage = (await skopeo(
      'inspect',
      '--tls-verify=false',
      '--override-arch',
      'arm64',
      `docker://${registry.host}/models/iris:all`
    )) as { Architecture: string; Layers: string[] }
    expect(armImage.Architecture).toBe('arm64')
    expect(armImage.Layers[1]).toBe(all.layer.digest)

    await expect(
      buildOciLayerImage(
        request({
          baseImage: ref(index.ref),
          modelPath: model,
          tags: ['x'],
          platform: 'linux/s390x'
        })
      )
    ).rejects.toThrow('has no linux/s390x image (it has: linux/amd64, linux/arm64/v8)')
  })

  it('keeps the Docker manifest format of a Docker base', async () => {
    const dockerBase = await pushBusyboxBase(registry.host, 'base/docker', { format: 'docker' })
    const model = await modelDir({ 'm.txt': 'docker' })
    const result = await buildOciLayerImage(
      request({ baseImage: ref(dockerBase.ref), modelPath: model, tags: ['docker'] })
    )
    const raw = (await skopeo(
      'inspect',
      '--tls-verify=false',
      '--raw',
      `docker://${registry.host}/models/iris:docker`
    )) as {
      mediaType: string
      layers: { mediaType: string }[]
    }
    expect(raw.mediaType).toBe(MediaType.dockerManifest)
    expect(raw.layers.map(l => l.mediaType)).toEqual([
      MediaType.dockerLayerGzip,
      MediaType.dockerLayerGzip
    ])
    expect(result.mediaType).toBe(MediaType.dockerManifest)
  })

  it('streams a layer larger than one chunk while writing it', async () => {
    const small = new RegistryClient({
      registry: registry.host,
      insecure: true,
      chunkSize: 256 * 1024
    })
    const model = await mkdtemp(join(work, 'big-'))
    const { randomBytes } = await import('node:crypto')
    await writeFile(join(model, 'weights.bin'), randomBytes(1_500_000))
    await writeFile(join(model, 'vocab.txt'), 'token\n'.repeat(50_000))
    const progress: number[] = []
    const result = await buildOciLayerImage(
      request({
        modelPath: model,
        tags: ['big'],
        client: () => small,
        onProgress: p => progress.push(p.sentBytes)
      })
    )
    expect(result.layer.outcome).toBe('uploaded')
    // Progress counts up to every byte of the layer.
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.at(-1)).toBe(result.layer.size)
    const inspected = (await skopeo(
      'inspect',
      '--tls-verify=false',
      `docker://${registry.host}/models/iris:big`
    )) as { Digest: string }
    expect(inspected.Digest).toBe(result.digest)
    // A valid gzip (deflated and stored parts, CRC and length) holding the two files.
    const blobPath = join(work, 'big.tgz')
    const response = await fetch(`${registry.url}/v2/models/iris/blobs/${result.layer.digest}`)
    await writeFile(blobPath, Buffer.from(await response.arrayBuffer()))
    const { stdout } = await runCommand('tar', ['-tzf', blobPath])
    expect(stdout.trim().split('\n')).toEqual(['model/', 'model/vocab.txt', 'model/weights.bin'])
    // The same bytes built without streaming give the same digest.
    const again = await buildOciLayerImage(request({ modelPath: model, tags: ['big2'] }))
    expect(again.layer.digest).toBe(result.layer.digest)
  })

  it('refuses a missing model path and a missing base image with clear errors', async () => {
    await expect(buildOciLayerImage(request({ modelPath: join(work, 'nope') }))).rejects.toThrow(
      /model path .* does not exist/
    )
    const model = await modelDir({ 'm.txt': 'x' })
    await expect(
      buildOciLayerImage(
        request({ modelPath: model, baseImage: ref(`${registry.host}/base/absent:1`) })
      )
    ).rejects.toThrow(`Base image ${registry.host}/base/absent:1 was not found.`)
  })
})
