// Containerfile.test builds offline with the real buildah: FROM scratch, Debian's static busybox
// and the freshly trained model, in a multi-stage build. The serving Dockerfile needs a Python base
// image that cannot be pulled here; it is exercised where registries are reachable.
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCommand } from '../../src/lib/command.js'
import { assertPythonReady, prepareImageContext, type ImageContext } from './model-repo.js'

const BUILDAH = '/usr/bin/buildah'

let work: string
let image: ImageContext
let storage: string[]

beforeAll(async () => {
  if (!existsSync(BUILDAH))
    throw new Error('buildah is missing. Install it with: apt-get install -y buildah')
  await assertPythonReady()
  work = await mkdtemp(join(tmpdir(), 'model-repo-image-'))
  // A private store, so the test neither sees nor leaves images in the machine's.
  storage = [
    '--root',
    join(work, 'root'),
    '--runroot',
    join(work, 'run'),
    '--storage-driver',
    'vfs'
  ]
  image = await prepareImageContext(join(work, 'context'))
})

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

const buildah = (args: string[]) =>
  runCommand(BUILDAH, [...storage, ...args], { timeoutMs: 120_000 })

describe('Containerfile.test', () => {
  it('builds offline into an image holding the trained model, busybox and the version label', async () => {
    await buildah([
      'bud',
      '--isolation',
      'chroot',
      '--build-arg',
      'VERSION=1.2.3',
      '-f',
      image.containerfile,
      '-t',
      'localhost/model-server-test:1.2.3',
      image.context
    ])
    const inspected = JSON.parse(
      (await buildah(['inspect', 'localhost/model-server-test:1.2.3'])).stdout
    )
    const config = inspected.OCIv1.config
    expect(config.Labels).toMatchObject({ 'org.opencontainers.image.version': '1.2.3' })
    expect(config.User).toBe('65534:65534')
    expect(config.Entrypoint).toEqual(['/bin/busybox'])

    const container = (await buildah(['from', 'localhost/model-server-test:1.2.3'])).stdout.trim()
    try {
      const listing = await buildah([
        'run',
        '--isolation',
        'chroot',
        container,
        '--',
        '/bin/busybox',
        'ls',
        '/app/model'
      ])
      expect(listing.stdout.split(/\s+/).filter(Boolean).sort()).toEqual([
        'model.json',
        'model.pkl'
      ])
      const metrics = await buildah([
        'run',
        '--isolation',
        'chroot',
        container,
        '--',
        '/bin/busybox',
        'cat',
        '/app/metrics.json'
      ])
      expect(metrics.stdout).toBe(await readFile(join(image.context, 'metrics.json'), 'utf8'))
    } finally {
      await buildah(['rm', container])
    }
  })
})
