import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCommand } from '../../../src/lib/command.js'
import { memoryLog } from '../../../src/lib/log.js'
import { BuildahBuilder } from '../../../src/lib/image/buildah-builder.js'
import type { BuildRequest } from '../../../src/lib/image/builders.js'
import { parseImageReference } from '../../../src/lib/oci/reference.js'
import { pushBusyboxBase, type BaseImage } from '../../support/base-images.js'
import { startRegistry, type TestRegistry } from '../../support/registry.js'

let registry: TestRegistry
let base: BaseImage
let work: string
let builder: BuildahBuilder

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'buildah-test-'))
  registry = await startRegistry()
  base = await pushBusyboxBase(registry.host, 'base/busybox')
  builder = new BuildahBuilder(runCommand, process.env, {
    root: join(work, 'root'),
    runRoot: join(work, 'run')
  })
})

afterAll(async () => {
  await registry?.stop()
  // vfs layers hold read-only directories; buildah itself knows how to remove its storage.
  await runCommand(
    'buildah',
    [
      '--root',
      join(work, 'root'),
      '--runroot',
      join(work, 'run'),
      '--storage-driver',
      'vfs',
      'rmi',
      '--all',
      '--force'
    ],
    {
      check: false
    }
  )
  await rm(work, { recursive: true, force: true })
})

describe('buildah builder (real buildah, chroot isolation, vfs)', () => {
  it('builds FROM the test base with a RUN step and pushes; skopeo agrees on digest and labels', async () => {
    expect(await builder.available()).toBe(true)
    const context = join(work, 'ctx')
    await runCommand('mkdir', ['-p', context])
    await writeFile(join(context, 'model.txt'), 'weights')
    await writeFile(
      join(context, 'Containerfile'),
      `FROM ${base.ref}\nARG GREETING\nCOPY model.txt /model/model.txt\nRUN ["/bin/busybox", "sh", "-c", "echo $GREETING > /model/greeting"]\n`
    )
    const log = memoryLog()
    const request: BuildRequest = {
      image: parseImageReference(`${registry.host}/apps/buildah`)!,
      tags: ['1.0.0', 'latest'],
      labels: { 'org.opencontainers.image.version': '1.0.0' },
      context,
      buildArgs: { GREETING: 'hello; echo not-a-shell' },
      platforms: [],
      push: true,
      cacheFrom: [],
      cacheTo: [],
      secrets: [],
      insecure: true,
      workDir: work,
      isolation: 'chroot',
      storageDriver: 'vfs',
      log
    }
    const result = await builder.build(request)
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    for (const tag of ['1.0.0', 'latest']) {
      const { stdout } = await runCommand('skopeo', [
        'inspect',
        '--tls-verify=false',
        `docker://${registry.host}/apps/buildah:${tag}`
      ])
      const inspected = JSON.parse(stdout) as {
        Digest: string
        Labels: Record<string, string>
        Layers: string[]
      }
      expect(inspected.Digest).toBe(result.digest)
      expect(inspected.Labels['org.opencontainers.image.version']).toBe('1.0.0')
      expect(inspected.Layers.length).toBeGreaterThanOrEqual(2)
    }
    // The RUN step ran (chroot isolation) and saw the build arg as one literal value.
    const { stdout } = await runCommand('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${registry.host}/apps/buildah:1.0.0`
    ])
    const last = (JSON.parse(stdout) as { Layers: string[] }).Layers.at(-1)!
    const blob = Buffer.from(
      await (await fetch(`${registry.url}/v2/apps/buildah/blobs/${last}`)).arrayBuffer()
    )
    await writeFile(join(work, 'last.tgz'), blob)
    const greeting = await runCommand('tar', ['-xzOf', join(work, 'last.tgz'), 'model/greeting'])
    expect(greeting.stdout).toBe('hello; echo not-a-shell\n')
  })
})
