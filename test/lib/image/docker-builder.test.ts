import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCommand } from '../../../src/lib/command.js'
import { memoryLog } from '../../../src/lib/log.js'
import type { BuildRequest } from '../../../src/lib/image/builders.js'
import { DockerBuilder } from '../../../src/lib/image/docker-builder.js'
import { parseImageReference } from '../../../src/lib/oci/reference.js'
import { pushBusyboxBase, type BaseImage } from '../../support/base-images.js'
import { startDockerd, type TestDockerd } from '../../support/dockerd.js'
import { startRegistry, type TestRegistry } from '../../support/registry.js'

let registry: TestRegistry
let dockerd: TestDockerd
let base: BaseImage
let work: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'docker-test-'))
  registry = await startRegistry()
  base = await pushBusyboxBase(registry.host, 'base/busybox', { format: 'docker' })
  dockerd = await startDockerd([registry.host])
}, 120_000)

afterAll(async () => {
  await dockerd?.stop()
  await registry?.stop()
  await rm(work, { recursive: true, force: true })
})

describe('docker builder (real dockerd, classic builder)', () => {
  it('builds FROM the test base and pushes every tag; skopeo agrees on the digest', async () => {
    const builder = new DockerBuilder(runCommand, dockerd.env)
    expect(await builder.available()).toBe(true)
    const context = join(work, 'ctx')
    await mkdir(context)
    await writeFile(join(context, 'model.txt'), 'weights')
    await writeFile(
      join(context, 'Dockerfile'),
      `FROM ${base.ref}\nCOPY model.txt /model/model.txt\nRUN ["/bin/busybox", "sh", "-c", "echo ran > /model/ran"]\n`
    )
    const request: BuildRequest = {
      image: parseImageReference(`${registry.host}/apps/docker`)!,
      tags: ['2.0.0', 'latest'],
      labels: { 'org.opencontainers.image.revision': 'abc123' },
      context,
      buildArgs: {},
      platforms: [],
      push: true,
      cacheFrom: [],
      cacheTo: [],
      secrets: [],
      insecure: true,
      workDir: work,
      log: memoryLog()
    }
    const result = await builder.build(request)
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    for (const tag of ['2.0.0', 'latest']) {
      const { stdout } = await runCommand('skopeo', [
        'inspect',
        '--tls-verify=false',
        `docker://${registry.host}/apps/docker:${tag}`
      ])
      const inspected = JSON.parse(stdout) as { Digest: string; Labels: Record<string, string> }
      expect(inspected.Digest).toBe(result.digest)
      expect(inspected.Labels['org.opencontainers.image.revision']).toBe('abc123')
    }
  })
})
