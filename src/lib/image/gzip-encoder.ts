import { promisify } from 'node:util'
import { constants, crc32, deflateRaw } from 'node:zlib'

const deflate = promisify(deflateRaw)

/** Input per deflate call: fixed, so output never depends on how the input was read. */
const DEFLATE_SEGMENT = 1 << 20
const STORED_BLOCK = 65535
/** gzip header with no name, mtime 0, no extra flags and OS 255 (unknown): the same everywhere. */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff])
/** An empty final stored block ends the deflate stream. */
const FINAL_BLOCK = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff])

/**
 * A gzip writer whose output is a function of its input bytes (and the zlib build) alone:
 * fixed header, fixed-size deflate segments each ending in a sync flush, and stored blocks
 * for data the caller marks incompressible, which go out at copy speed.
 */
export class DeterministicGzip {
  private crc = 0
  private length = 0
  private pending: Buffer[] = []
  private pendingBytes = 0
  private pendingStored = false
  private started = false

  constructor(
    private readonly level: number,
    /** Receives the output in order; pieces may be views of the input (no copy is made). */
    private readonly emit: (pieces: Buffer[]) => Promise<void>
  ) {}

  async write(data: Buffer, incompressible: boolean): Promise<void> {
    if (!this.started) {
      this.started = true
      await this.emit([HEADER])
    }
    if (data.length === 0) return
    this.crc = crc32(data, this.crc)
    this.length = (this.length + data.length) % 2 ** 32
    if (incompressible !== this.pendingStored) {
      await this.flush(true)
      this.pendingStored = incompressible
    }
    this.pending.push(data)
    this.pendingBytes += data.length
    await this.flush(false)
  }

  async end(): Promise<void> {
    if (!this.started) {
      this.started = true
      await this.emit([HEADER])
    }
    await this.flush(true)
    const trailer = Buffer.alloc(8)
    trailer.writeUInt32LE(this.crc >>> 0, 0)
    trailer.writeUInt32LE(this.length >>> 0, 4)
    await this.emit([FINAL_BLOCK, trailer])
  }

  /**
   * Stored blocks of exactly 65535 bytes (the remainder only with `all`), as a header and views
   * of the pending input: model weights pass through without being copied.
   */
  private takeStoredBlocks(all: boolean): Buffer[] {
    const out: Buffer[] = []
    while (this.pendingBytes >= STORED_BLOCK || (all && this.pendingBytes > 0)) {
      let need = Math.min(STORED_BLOCK, this.pendingBytes)
      out.push(storedHeader(need))
      this.pendingBytes -= need
      while (need > 0) {
        const first = this.pending[0]!
        if (first.length <= need) {
          out.push(first)
          this.pending.shift()
          need -= first.length
        } else {
          out.push(first.subarray(0, need))
          this.pending[0] = first.subarray(need)
          need = 0
        }
      }
    }
    return out
  }

  /** Emits whole segments; with `all`, the remainder too (at a switch of kind or the end). */
  private async flush(all: boolean): Promise<void> {
    const unit = this.pendingStored ? STORED_BLOCK : DEFLATE_SEGMENT
    if (this.pendingBytes === 0 || (!all && this.pendingBytes < unit)) return
    if (this.pendingStored) return this.emit(this.takeStoredBlocks(all))
    const input =
      this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes)
    const usable = all ? input.length : input.length - (input.length % unit)
    const rest = input.subarray(usable)
    this.pending = rest.length ? [rest] : []
    this.pendingBytes = rest.length
    for (let start = 0; start < usable; start += unit) {
      const segment = input.subarray(start, Math.min(usable, start + unit))
      await this.emit([
        await deflate(segment, { level: this.level, finishFlush: constants.Z_SYNC_FLUSH })
      ])
    }
  }
}

function storedHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(5)
  header[0] = 0x00
  header.writeUInt16LE(length, 1)
  header.writeUInt16LE(~length & 0xffff, 3)
  return header
}
