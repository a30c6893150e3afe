import { describe, expect, test } from '@jest/globals'
import { parseHistory } from '../../../src/lib/helm/release-history.js'
import { recoverStuckRelease } from '../../../src/lib/helm/stuck.js'
import { memoryLog } from '../../../src/lib/log.js'
import { fakeHelm, history, ours } from './fake-helm.js'

const updated = (revision: number) => new Date(Date.UTC(2026, 10, 26, 5, 0, revision))

function setup(json: string, now: Date) {
  const { helm, calls } = fakeHelm('v4.1.4', { rollback: {}, uninstall: {} })
  const log = memoryLog()
  const edits: string[][] = []
  const records = {
    runner: async (_file: string, args: readonly string[]) => {
      edits.push([...args])
      return { code: 1, stdout: '', stderr: 'forbidden', durationMs: 0 }
    },
    env: {},
    kubectl: ['kubectl'],
    log
  }
  const check = { release: 'app', namespace: 'prod', timeoutMs: 60_000, wait: true }
  return {
    run: () =>
      recoverStuckRelease(check, parseHistory(json), { helm, log, clock: () => now, records }),
    calls,
    log,
    edits
  }
}

describe('stuck release recovery', () => {
  test('a pending revision younger than the timeout is left alone, with what was judged', async () => {
    const json = history(
      [1, 'deployed', ours('v1', 'a')],
      [2, 'pending-upgrade', 'Preparing upgrade']
    )
    const { run, calls } = setup(json, new Date(updated(2).getTime() + 30_000))
    await expect(run()).rejects.toThrow(
      /revision 2 is pending-upgrade since .* \(30\.0 s ago\); the timeout is 1m, so a Helm operation may still be running on it\. Nothing was changed/
    )
    expect(calls).toEqual([])
  })

  test('an old pending upgrade is rolled back to the last deployed revision (Helm 4 flags)', async () => {
    const json = history(
      [1, 'superseded', ours('v1', 'a')],
      [2, 'deployed', ours('v2', 'b')],
      [3, 'pending-upgrade', 'Preparing upgrade']
    )
    const { run, calls, log, edits } = setup(json, new Date(updated(3).getTime() + 61_000))
    const recovery = await run()
    expect(recovery).toMatchObject({
      revision: 3,
      status: 'pending-upgrade',
      action: 'rolled-back',
      toRevision: 2,
      markedFailed: false
    })
    expect(recovery?.judged).toContain(
      'older than the timeout, so no Helm operation is still running on it'
    )
    expect(calls.filter(c => c[0] !== 'version')).toEqual([
      ['rollback', 'app', '2', '--namespace', 'prod', '--wait=watcher', '--timeout', '60s']
    ])
    expect(edits[0]).toEqual([
      'get',
      'secret',
      'sh.helm.release.v1.app.v3',
      '--namespace',
      'prod',
      '--output',
      'json'
    ])
    expect(log.lines.join('\n')).toContain('Could not read the release record')
  })

  test('a pending install that never deployed is uninstalled', async () => {
    const json = history([1, 'pending-install', 'Initial install underway'])
    const { run, calls } = setup(json, new Date(updated(1).getTime() + 120_000))
    expect(await run()).toMatchObject({ action: 'uninstalled', revision: 1 })
    expect(calls.filter(c => c[0] !== 'version')).toEqual([
      ['uninstall', 'app', '--namespace', 'prod', '--timeout', '60s']
    ])
  })

  test('a release whose latest revision is not pending needs nothing', async () => {
    const { run, calls } = setup(history([1, 'deployed', ours('v1', 'a')]), new Date())
    expect(await run()).toBeUndefined()
    expect(calls).toEqual([])
  })
})
