import { createReadStream } from 'node:fs'
import { lstat, open, readdir, readlink, stat } from 'node:fs/promises'
import { basename, join, posix } from 'node:path'
import { deflateRawSync } from 'node:zlib'
import { UserError } from '../errors.js'

/** One entry of a layer, in archive order. Paths are relative (no leading slash). */
export interface LayerEntry {
  path: string
  type: 'directory' | 'file' | 'symlink'
  mode: number
  size: number
  /** Where the bytes come from on disk (files). */
  source?: string
  linkname?: string
  /** Modification time in ns, only for the change check and the layer cache, never archived. */
  mtimeNs?: bigint
  ino?: bigint
}

/**
 * Lists `root` as it will appear under `destination` in the image: the destination directory
 * (not its parents, which are the base image's), then a depth-first walk with names in byte order, so the same tree always
 * gives the same list. Modes are normalised (0755 when any execute bit is set, else 0644) so a
 * checkout's umask does not leak into the digest. Sockets, FIFOs and devices are refused.
 */
export async function listLayerEntries(root: string, destination: string): Promise<LayerEntry[]> {
  const target = posix.normalize(`/${destination}`).replace(/^\/+|\/+$/g, '')
  if (!target || target === '.' || target.split('/').includes('..')) {
    throw new UserError(
      `The destination "${destination}" in the image must be a directory below /, such as /model.`
    )
  }
  let rootStat
  try {
    rootStat = await stat(root)
  } catch {
    throw new UserError(`The model path "${root}" does not exist.`)
  }
  // Only the destination itself: its parents belong to the base image. A layer that wrote them
  // (root-owned, 0755) would override the base's own: /tmp would lose its 1777, /home/app its
  // owner. A parent the base lacks is made by the runtime when the layer is unpacked.
  const entries: LayerEntry[] = [{ path: `${target}/`, type: 'directory', mode: 0o755, size: 0 }]
  if (rootStat.isDirectory()) await walk(root, target, entries)
  else await addEntry(root, `${target}/${basename(root)}`, entries)
  return entries
}

async function walk(dir: string, prefix: string, entries: LayerEntry[]): Promise<void> {
  const names = (await readdir(dir)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  for (const name of names) {
    const full = join(dir, name)
    const isDir = await addEntry(full, `${prefix}/${name}`, entries)
    if (isDir) await walk(full, `${prefix}/${name}`, entries)
  }
}

async function addEntry(full: string, path: string, entries: LayerEntry[]): Promise<boolean> {
  const info = await lstat(full, { bigint: true })
  const executable = (Number(info.mode) & 0o111) !== 0
  if (info.isDirectory()) {
    entries.push({
      path: `${path}/`,
      type: 'directory',
      mode: 0o755,
      size: 0,
      mtimeNs: info.mtimeNs,
      ino: info.ino
    })
    return true
  }
  if (info.isSymbolicLink()) {
    entries.push({
      path,
      type: 'symlink',
      mode: 0o777,
      size: 0,
      linkname: await readlink(full),
      mtimeNs: info.mtimeNs,
      ino: info.ino
    })
  } else if (info.isFile()) {
    entries.push({
      path,
      type: 'file',
      mode: executable ? 0o755 : 0o644,
      size: Number(info.size),
      source: full,
      mtimeNs: info.mtimeNs,
      ino: info.ino
    })
  } else {
    throw new UserError(
      `The model path holds "${full}", which is not a file, directory or symlink; a layer cannot carry it.`
    )
  }
  return false
}

/** A piece of the tar stream; `incompressible` pieces are better stored than deflated. */
export interface TarSegment {
  data: Buffer
  incompressible: boolean
}

const BLOCK = 512
const SAMPLE = 64 * 1024
const READ_SIZE = 1 << 20

/**
 * The tar stream of `entries`: ustar headers with a fixed mtime, uid/gid 0 and empty user and
 * group names; PAX records only for paths or sizes ustar cannot hold (never for times).
 */
export async function* tarStream(
  entries: LayerEntry[],
  options: { mtime: number; detectIncompressible: boolean }
): AsyncGenerator<TarSegment> {
  for (const entry of entries) {
    yield { data: tarHeader(entry, options.mtime), incompressible: false }
    if (entry.type !== 'file' || !entry.source) continue
    const incompressible =
      options.detectIncompressible && (await looksIncompressible(entry.source, entry.size))
    let read = 0
    if (entry.size > 0) {
      for await (const chunk of createReadStream(entry.source, {
        highWaterMark: READ_SIZE,
        end: entry.size - 1
      })) {
        read += (chunk as Buffer).length
        yield { data: chunk as Buffer, incompressible }
      }
    }
    const after = await stat(entry.source, { bigint: true })
    if (
      read !== entry.size ||
      Number(after.size) !== entry.size ||
      after.mtimeNs !== entry.mtimeNs
    ) {
      throw new UserError(
        `"${entry.source}" changed while the layer was being built; build again once it is stable.`
      )
    }
    const padding = (BLOCK - (entry.size % BLOCK)) % BLOCK
    if (padding) yield { data: Buffer.alloc(padding), incompressible: false }
  }
  yield { data: Buffer.alloc(BLOCK * 2), incompressible: false }
}

/**
 * Model weights are mostly incompressible: deflating them burns CPU for nothing. A file whose
 * first 64 KiB deflate to more than 90% is stored instead. The decision depends on the bytes
 * alone, so it is as reproducible as the rest of the layer.
 */
async function looksIncompressible(path: string, size: number): Promise<boolean> {
  if (size < 2 * SAMPLE) return false
  const handle = await open(path, 'r')
  try {
    const sample = Buffer.alloc(SAMPLE)
    const { bytesRead } = await handle.read(sample, 0, SAMPLE, 0)
    return deflateRawSync(sample.subarray(0, bytesRead), { level: 1 }).length > bytesRead * 0.9
  } finally {
    await handle.close()
  }
}

export function tarHeader(entry: LayerEntry, mtime: number): Buffer {
  const typeflag = entry.type === 'directory' ? '5' : entry.type === 'symlink' ? '2' : '0'
  const pax: [string, string][] = []
  const split = splitUstarPath(entry.path)
  if (!split) pax.push(['path', entry.path])
  const linkname = entry.linkname ?? ''
  if (Buffer.byteLength(linkname) > 100) pax.push(['linkpath', linkname])
  if (entry.size > 0o77777777777) pax.push(['size', String(entry.size)])
  const header = ustarHeader({
    name: split?.name ?? truncateUtf8(entry.path, 100),
    prefix: split?.prefix ?? '',
    mode: entry.mode,
    size: entry.size > 0o77777777777 ? 0 : entry.size,
    mtime,
    typeflag,
    linkname: truncateUtf8(linkname, 100)
  })
  if (pax.length === 0) return header
  const body = Buffer.from(pax.map(([key, value]) => paxRecord(key, value)).join(''))
  const paxHeader = ustarHeader({
    name: truncateUtf8(`PaxHeaders/${posix.basename(entry.path.replace(/\/$/, ''))}`, 100),
    prefix: '',
    mode: 0o644,
    size: body.length,
    mtime,
    typeflag: 'x',
    linkname: ''
  })
  const padding = Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK)
  return Buffer.concat([paxHeader, body, padding, header])
}

function paxRecord(key: string, value: string): string {
  const text = ` ${key}=${value}\n`
  let length = Buffer.byteLength(text)
  // The length counts its own digits.
  while (String(length + String(length).length).length !== String(length).length) length++
  length += String(length).length
  return `${length}${text}`
}

function splitUstarPath(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' }
  const trailing = path.endsWith('/') ? '/' : ''
  const bare = trailing ? path.slice(0, -1) : path
  for (let i = bare.indexOf('/'); i !== -1; i = bare.indexOf('/', i + 1)) {
    const prefix = bare.slice(0, i)
    const name = bare.slice(i + 1) + trailing
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix }
  }
  return undefined
}

function truncateUtf8(text: string, bytes: number): string {
  const buffer = Buffer.from(text)
  return buffer.length <= bytes
    ? text
    : buffer
        .subarray(0, bytes)
        .toString('utf8')
        .replace(/\uFFFD+$/, '')
}

function ustarHeader(fields: {
  name: string
  prefix: string
  mode: number
  size: number
  mtime: number
  typeflag: string
  linkname: string
}): Buffer {
  const header = Buffer.alloc(BLOCK)
  header.write(fields.name, 0, 100, 'utf8')
  octal(header, 100, 8, fields.mode)
  octal(header, 108, 8, 0)
  octal(header, 116, 8, 0)
  octal(header, 124, 12, fields.size)
  octal(header, 136, 12, fields.mtime)
  header.write(fields.typeflag, 156, 1, 'ascii')
  header.write(fields.linkname, 157, 100, 'utf8')
  header.write('ustar\u000000', 257, 8, 'ascii')
  octal(header, 329, 8, 0)
  octal(header, 337, 8, 0)
  header.write(fields.prefix, 345, 155, 'utf8')
  header.fill(0x20, 148, 156)
  let sum = 0
  for (const byte of header) sum += byte
  header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii')
  return header
}

function octal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'ascii')
}
