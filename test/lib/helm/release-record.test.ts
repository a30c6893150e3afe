import { randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import type { CommandOptions, CommandRunner } from '../../../src/lib/command.js'
import { markRevisionFailed } from '../../../src/lib/helm/release-record.js'
import { memoryLog } from '../../../src/lib/log.js'

/** A Helm release record as the Secret holds it: base64 of base64 of gzipped JSON. */
function releaseSecret(valuesSize: number): string {
  const release = {
    name: 'model',
    info: { status: 'pending-upgrade' },
    config: { big: randomBytes(valuesSize).toString('hex') }
  }
  const helm = gzipSync(Buffer.from(JSON.stringify(release))).toString('base64')
  return JSON.stringify({ data: { release: Buffer.from(helm).toString('base64') } })
}

describe('markRevisionFailed', () => {
  it('sends the release on stdin, never on the command line (large releases, /proc/*/cmdline)', async () => {
    const calls: { args: readonly string[]; options?: CommandOptions }[] = []
    const runner: CommandRunner = async (_file, args, options) => {
      calls.push({ args, ...(options ? { options } : {}) })
      const stdout = args[0] === 'get' ? releaseSecret(100_000) : ''
      return { code: 0, stdout, stderr: '', durationMs: 1 }
    }
    const log = memoryLog()
    const marked = await markRevisionFailed(
      { runner, env: {}, kubectl: ['kubectl'], log },
      'model',
      'prod',
      2,
      'superseded by rollback'
    )
    expect(marked).toBe(true)
    const patch = calls[1]!
    expect(patch.args).toEqual(['replace', '--namespace', 'prod', '--filename', '-'])
    expect(patch.args.join(' ').length).toBeLessThan(200)
    const body = JSON.parse(String(patch.options!.input)) as { metadata: unknown }
    expect(body.metadata).toEqual({ labels: { status: 'failed' } })
    // Above the 128 KiB that one argument may hold (E2BIG after the rollback already happened).
    expect(String(patch.options!.input).length).toBeGreaterThan(128 * 1024)
  })

  it('is best-effort: a kubectl that cannot run is a warning, not a failed rollback', async () => {
    const runner: CommandRunner = async (_file, args) => {
      if (args[0] === 'get')
        return { code: 0, stdout: releaseSecret(10), stderr: '', durationMs: 1 }
      throw Object.assign(new Error('spawn E2BIG'), { code: 'E2BIG' })
    }
    const log = memoryLog()
    const marked = await markRevisionFailed(
      { runner, env: {}, kubectl: ['kubectl'], log },
      'model',
      'prod',
      2,
      'note'
    )
    expect(marked).toBe(false)
    expect(log.lines).toEqual(['warning: Could not mark revision 2 failed: spawn E2BIG'])
  })
})
