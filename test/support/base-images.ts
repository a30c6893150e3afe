// Base images for the build tests, made without pulling anything: a layer with busybox-static's
// /bin/busybox (and /bin/sh linking to it) pushed straight to the test registry.
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeLayerBlob } from '../../src/lib/image/layer-blob.js'
import { listLayerEntries } from '../../src/lib/image/layer-tar.js'
import { sha256Digest } from '../../src/lib/oci/digest.js'
import { MediaType, type Platform } from '../../src/lib/oci/media-types.js'
import { RegistryClient } from '../../src/lib/oci/registry-client.js'

const BUSYBOX = '/bin/busybox'

export interface BaseImage {
  /** `host/repository:tag` */
  ref: string
  digest: string
  layerDigest: string
  configDigest: string
}

export interface BaseImageOptions {
  format?: 'oci' | 'docker'
  /** Push an index of these platforms (each gets the same busybox layer). */
  platforms?: Platform[]
  tag?: string
}

export async function pushBusyboxBase(
  host: string,
  repository: string,
  options: BaseImageOptions = {}
): Promise<BaseImage> {
  if (!existsSync(BUSYBOX))
    throw new Error('busybox-static is not installed: run `apt-get install -y busybox-static`.')
  const format = options.format ?? 'oci'
  const client = new RegistryClient({ registry: host, insecure: true })
  const dir = await mkdtemp(join(tmpdir(), 'base-'))
  try {
    await mkdir(join(dir, 'bin'))
    await copyFile(BUSYBOX, join(dir, 'bin', 'busybox'))
    await symlink('busybox', join(dir, 'bin', 'sh'))
    const blob = await writeLayerBlob(await listLayerEntries(join(dir, 'bin'), '/bin'), {
      compression: 'gzip',
      level: 6,
      mtime: 0
    })
    await client.pushBlobFile(repository, blob.digest, blob.path, blob.size)
    await blob.dispose()
    const docker = format === 'docker'
    const manifestFor = async (platform: Platform) => {
      const config = Buffer.from(
        JSON.stringify({
          created: '2020-01-01T00:00:00Z',
          architecture: platform.architecture,
          os: platform.os,
          config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'], Labels: { 'test.base': 'busybox' } },
          rootfs: { type: 'layers', diff_ids: [blob.diffId] },
          history: [{ created: '2020-01-01T00:00:00Z', created_by: 'test: busybox base' }]
        })
      )
      await client.pushBlobBytes(repository, config)
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: docker ? MediaType.dockerManifest : MediaType.ociManifest,
          config: {
            mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig,
            digest: sha256Digest(config),
            size: config.length
          },
          layers: [
            {
              mediaType: docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip,
              digest: blob.digest,
              size: blob.size
            }
          ]
        })
      )
      const mediaType = docker ? MediaType.dockerManifest : MediaType.ociManifest
      await client.putManifest(repository, sha256Digest(manifest), manifest, mediaType)
      return { manifest, mediaType, configDigest: sha256Digest(config), platform }
    }
    const tag = options.tag ?? 'base'
    if (!options.platforms) {
      const single = await manifestFor({ os: 'linux', architecture: 'amd64' })
      await client.putManifest(repository, tag, single.manifest, single.mediaType)
      return {
        ref: `${host}/${repository}:${tag}`,
        digest: sha256Digest(single.manifest),
        layerDigest: blob.digest,
        configDigest: single.configDigest
      }
    }
    const children = []
    for (const platform of options.platforms) children.push(await manifestFor(platform))
    const indexType = docker ? MediaType.dockerManifestList : MediaType.ociIndex
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: indexType,
        manifests: children.map(c => ({
          mediaType: c.mediaType,
          digest: sha256Digest(c.manifest),
          size: c.manifest.length,
          platform: c.platform
        }))
      })
    )
    await client.putManifest(repository, tag, index, indexType)
    return {
      ref: `${host}/${repository}:${tag}`,
      digest: sha256Digest(index),
      layerDigest: blob.digest,
      configDigest: children[0]!.configDigest
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
