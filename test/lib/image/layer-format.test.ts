import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { runCommand } from '../../../src/lib/command.js'
import { UserError } from '../../../src/lib/errors.js'
import { DeterministicGzip } from '../../../src/lib/image/gzip-encoder.js'
import { writeLayerBlob } from '../../../src/lib/image/layer-blob.js'
import { listLayerEntries } from '../../../src/lib/image/layer-tar.js'

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')

async function gzip(parts: { data: Buffer; incompressible: boolean }[]): Promise<Buffer> {
  const out: Buffer[] = []
  const encoder = new DeterministicGzip(
    6,
    async pieces => void out.push(...pieces.map(p => Buffer.from(p)))
  )
  for (const part of parts) await encoder.write(part.data, part.incompressible)
  await encoder.end()
  return Buffer.concat(out)
}

/** The same bytes cut at other places, as a different read size would. */
function recut(parts: { data: Buffer; incompressible: boolean }[], size: number) {
  return parts.flatMap(part => {
    const pieces = []
    for (let at = 0; at < part.data.length; at += size)
      pieces.push({ data: part.data.subarray(at, at + size), incompressible: part.incompressible })
    return pieces
  })
}

describe('deterministic gzip', () => {
  const text = Buffer.from('the quick brown fox '.repeat(100_000))
  const noise = randomBytes(300_000)
  const parts = [
    { data: text, incompressible: false },
    { data: noise, incompressible: true },
    { data: text.subarray(0, 1234), incompressible: false }
  ]

  it('is valid gzip that gunzip reads back byte for byte (deflated and stored parts mixed)', async () => {
    const out = await gzip(parts)
    // Compared by digest: Jest's deep equality walks large buffers byte by byte, slowly.
    expect(sha(gunzipSync(out))).toBe(sha(Buffer.concat(parts.map(p => p.data))))
    expect(out.subarray(0, 10)).toEqual(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]))
    // Stored data costs 5 bytes per 64 KiB; the text compresses.
    expect(out.length).toBeLessThan(noise.length + 100_000)
  })

  it('gives the same bytes however the input was cut into pieces', async () => {
    const reference = await gzip(parts)
    expect(sha(await gzip(recut(parts, 4096)))).toBe(sha(reference))
    expect(sha(await gzip(recut(parts, 1_000_003)))).toBe(sha(reference))
  })

  it('encodes empty input as a valid empty gzip', async () => {
    expect(gunzipSync(await gzip([]))).toEqual(Buffer.alloc(0))
  })
})

describe('layer tar', () => {
  let work: string
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'layer-format-'))
  })
  afterAll(() => rm(work, { recursive: true, force: true }))

  it('keeps paths longer than ustar holds (PAX path records) and tar reads them back', async () => {
    const model = join(work, 'long')
    const deep = join(model, 'd'.repeat(90), 'e'.repeat(90))
    await mkdir(deep, { recursive: true })
    await writeFile(join(deep, `${'f'.repeat(120)}.bin`), 'long')
    const blob = await writeLayerBlob(await listLayerEntries(model, '/model'), {
      compression: 'gzip',
      level: 6,
      mtime: 0
    })
    const { stdout } = await runCommand('tar', ['-tzf', blob.path])
    expect(stdout.trim().split('\n').at(-1)).toBe(
      `model/${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(120)}.bin`
    )
    const content = await runCommand('tar', [
      '-xzOf',
      blob.path,
      `model/${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(120)}.bin`
    ])
    expect(content.stdout).toBe('long')
    await blob.dispose()
  })

  it('gives the diff_id of the uncompressed tar and an uncompressed layer when asked', async () => {
    const model = join(work, 'plain')
    await mkdir(model)
    await writeFile(join(model, 'a.txt'), 'a')
    const entries = await listLayerEntries(model, '/model')
    const gz = await writeLayerBlob(entries, { compression: 'gzip', level: 6, mtime: 0 })
    const plain = await writeLayerBlob(entries, { compression: 'none', level: 6, mtime: 0 })
    expect(plain.digest).toBe(plain.diffId)
    expect(gz.diffId).toBe(plain.diffId)
    expect(gz.digest).not.toBe(gz.diffId)
    // model/ header, a.txt header, one padded data block, two zero blocks.
    expect(plain.size).toBe(512 + 512 + 512 + 1024)
    await gz.dispose()
    await plain.dispose()
  })

  it('refuses a destination outside the image root', async () => {
    await expect(listLayerEntries(work, '/')).rejects.toThrow(UserError)
    await expect(listLayerEntries(work, '//')).rejects.toThrow('must be a directory below /')
    // `..` cannot climb above the root: /../etc is /etc, as in a Dockerfile COPY.
    expect((await listLayerEntries(work, '/../srv/model'))[0]!.path).toBe('srv/model/')
  })

  it('writes the destination, never its parents: /tmp keeps 1777 and /home/app its owner', async () => {
    for (const destination of ['/tmp/model', '/home/app/model']) {
      const paths = (await listLayerEntries(work, destination)).map(e => e.path)
      const parents = destination.slice(1).split('/').slice(0, -1)
      for (let i = 1; i <= parents.length; i++)
        expect(paths).not.toContain(`${parents.slice(0, i).join('/')}/`)
      expect(paths[0]).toBe(`${destination.slice(1)}/`)
    }
  })
})
