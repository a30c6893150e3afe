import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCommand } from '../../../src/lib/command.js'
import { InputError } from '../../../src/lib/errors.js'
import { memoryLog } from '../../../src/lib/log.js'
import {
  buildImage,
  buildSummary,
  createBuilders,
  progressLogger,
  promote
} from '../../../src/lib/image/build-image.js'
import { parseBuilderChoice, type BuildRequest } from '../../../src/lib/image/builders.js'
import { imageLabels, imageTags } from '../../../src/lib/image/tags.js'
import { parseImageReference } from '../../../src/lib/oci/reference.js'
import { RegistryClient } from '../../../src/lib/oci/registry-client.js'
import { pushBusyboxBase, type BaseImage } from '../../support/base-images.js'
import { startRegistry, type TestRegistry } from '../../support/registry.js'

let registry: TestRegistry
let base: BaseImage
let work: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'build-image-'))
  registry = await startRegistry()
  base = await pushBusyboxBase(registry.host, 'base/serving')
})
afterAll(async () => {
  await registry?.stop()
  await rm(work, { recursive: true, force: true })
})

describe('build-image library entry', () => {
  it('auto picks oci-layer without a Dockerfile; outputs and the summary match what skopeo sees', async () => {
    const model = await mkdtemp(join(work, 'model-'))
    await writeFile(join(model, 'model.pkl'), 'weights')
    const sha = '1'.repeat(40)
    const tree = '2'.repeat(40)
    const created = new Date('2026-03-04T05:06:07Z')
    const log = memoryLog()
    const request: BuildRequest = {
      image: parseImageReference(`${registry.host}/ml/iris`)!,
      tags: imageTags({ version: '2.1.0', sha, tree }),
      labels: imageLabels({
        version: '2.1.0',
        revision: sha,
        source: 'https://github.com/org/iris',
        created,
        tree
      }),
      context: model,
      buildArgs: {},
      platforms: [],
      push: true,
      cacheFrom: [],
      cacheTo: [],
      secrets: [],
      insecure: true,
      workDir: work,
      baseImage: parseImageReference(base.ref)!,
      modelPath: model,
      created,
      cacheDir: false,
      log
    }
    const verifier = new RegistryClient({ registry: registry.host, insecure: true })
    const outcome = await buildImage({
      builder: 'auto',
      request,
      builders: createBuilders(runCommand, process.env),
      verifyWith: verifier
    })
    expect(outcome.builder).toBe('oci-layer')
    expect(outcome.reason).toBe(
      'auto: no Dockerfile in the context, so oci-layer adds model-path to base-image'
    )
    expect(log.lines).toContain(`build-image: ${outcome.reason}`)
    expect(outcome.imageRef).toBe(`${registry.host}/ml/iris@${outcome.digest}`)
    expect(outcome.tags).toEqual(
      ['2.1.0', '2.1', '2', 'latest', 'sha-1111111', `tree-${tree}`].map(
        t => `${registry.host}/ml/iris:${t}`
      )
    )

    const { stdout } = await runCommand('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${registry.host}/ml/iris:2.1.0`
    ])
    const inspected = JSON.parse(stdout) as {
      Digest: string
      Labels: Record<string, string>
      Created: string
    }
    expect(inspected.Digest).toBe(outcome.digest)
    expect(inspected.Created).toBe('2026-03-04T05:06:07Z')
    expect(inspected.Labels).toMatchObject({
      'org.opencontainers.image.version': '2.1.0',
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.source': 'https://github.com/org/iris',
      'org.opencontainers.image.created': '2026-03-04T05:06:07Z',
      'org.mlops-actions.tree': tree
    })
    expect(outcome.metadata).toMatchObject({
      builder: 'oci-layer',
      digest: outcome.digest,
      baseDigest: base.digest
    })

    const summary = buildSummary(outcome)
    expect(summary).toContain(`## Image ${registry.host}/ml/iris`)
    expect(summary).toContain(`\`${outcome.digest}\``)
    expect(summary).toContain(`\`${registry.host}/ml/iris:2.1.0\``)
    expect(summary).toMatch(/\| 2 \| `sha256:[0-9a-f]{12}` \| \d+ B \|/)

    const promoted = await promote({
      from: parseImageReference(`${registry.host}/ml/iris:tree-${tree}`)!,
      to: parseImageReference(`${registry.host}/ml/iris-prod`)!,
      tags: ['2.1.0'],
      client: host => new RegistryClient({ registry: host, insecure: true })
    })
    expect(promoted.digest).toBe(outcome.digest)
    expect(promoted.imageRef).toBe(`${registry.host}/ml/iris-prod@${outcome.digest}`)
  })

  it('rejects an unknown builder naming the input', () => {
    expect(() => parseBuilderChoice('kaniko')).toThrow(InputError)
    expect(() => parseBuilderChoice('docker; rm -rf /')).toThrow(
      'Input "builder" is "docker; rm -rf /"; accepted: auto, buildx, docker, buildah, oci-layer.'
    )
    expect(parseBuilderChoice('')).toBe('auto')
  })

  it('logs upload progress at most every 10 s', () => {
    const log = memoryLog()
    let now = 0
    const report = progressLogger(log, () => now)
    for (now = 0; now <= 30_000; now += 1000)
      report({ phase: 'layer', sentBytes: (now / 1000) * 10 * 1024 * 1024, totalBytes: Number.NaN })
    expect(log.lines).toEqual([
      'uploaded 100.0 MiB (10.0 MiB/s)',
      'uploaded 200.0 MiB (10.0 MiB/s)',
      'uploaded 300.0 MiB (10.0 MiB/s)'
    ])
  })
})
