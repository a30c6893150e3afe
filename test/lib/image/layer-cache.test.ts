import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultLayerCacheDir, LayerCache } from '../../../src/lib/image/layer-cache.js'

// The oci-layer cache on a shared self-hosted runner: nobody else may plant entries in it or
// make it write through a link.
const LAYER = {
  digest: `sha256:${'a'.repeat(64)}`,
  diffId: `sha256:${'b'.repeat(64)}`,
  size: 10,
  uncompressedSize: 20
}

describe('the layer cache', () => {
  let work: string
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'layer-cache-'))
  })

  it('lives in the tool cache, else the job temp directory, never a shared /tmp name', () => {
    expect(defaultLayerCacheDir({ RUNNER_TOOL_CACHE: '/opt/tools', RUNNER_TEMP: '/t' })).toBe(
      '/opt/tools/mlops-actions/layer-cache'
    )
    expect(defaultLayerCacheDir({ RUNNER_TEMP: '/t' })).toBe('/t/mlops-actions/layer-cache')
  })

  it('creates its directory 0700 and finds what it stored', async () => {
    const dir = join(work, 'cache')
    const cache = new LayerCache(dir)
    await cache.put('k', LAYER)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(await cache.get('k')).toEqual(LAYER)
    expect(readdirSync(dir)).toEqual(['k.json'])
  })

  it.each([
    [
      'a link to another directory',
      (dir: string) => {
        const elsewhere = join(work, 'elsewhere')
        mkdirSync(elsewhere, { mode: 0o700 })
        writeFileSync(join(elsewhere, 'k.json'), JSON.stringify(LAYER))
        symlinkSync(elsewhere, dir)
      },
      'is not a directory'
    ],
    [
      'open to other users',
      (dir: string) => {
        mkdirSync(dir)
        chmodSync(dir, 0o777)
        writeFileSync(join(dir, 'k.json'), JSON.stringify(LAYER))
      },
      'is open to other users (mode 777)'
    ],
    [
      'owned by another user',
      (dir: string) => {
        mkdirSync(dir, { mode: 0o700 })
        writeFileSync(join(dir, 'k.json'), JSON.stringify(LAYER))
        chownSync(dir, 65534, 65534)
      },
      'is owned by uid 65534'
    ]
  ])('is not used when its directory is %s', async (_, prepare, problem) => {
    const dir = join(work, 'cache')
    prepare(dir)
    const warnings: string[] = []
    const cache = new LayerCache(dir, message => warnings.push(message))
    expect(await cache.get('k')).toBeUndefined()
    await cache.put('other', LAYER)
    expect(existsSync(join(dir, 'other.json'))).toBe(false)
    expect(warnings[0]).toContain(problem)
    expect(warnings[0]).toContain('building without it')
  })

  it('does not follow an entry that is a link', async () => {
    const dir = join(work, 'cache')
    mkdirSync(dir, { mode: 0o700 })
    const planted = join(work, 'planted.json')
    writeFileSync(planted, JSON.stringify(LAYER))
    symlinkSync(planted, join(dir, 'k.json'))
    expect(await new LayerCache(dir).get('k')).toBeUndefined()
  })
})
