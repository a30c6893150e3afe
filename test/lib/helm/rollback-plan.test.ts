import { describe, expect, test } from '@jest/globals'
import { DEFAULT_IMAGE_VALUES } from '../../../src/lib/helm/deploy.js'
import type { RollbackTarget } from '../../../src/lib/helm/rollback.js'
import {
  parseRollbackTarget,
  planRollback,
  rolledBackFrom
} from '../../../src/lib/helm/rollback.js'
import { parseHistory } from '../../../src/lib/helm/release-history.js'
import { silentLog } from '../../../src/lib/log.js'
import { fakeHelm, history, ours } from './fake-helm.js'

function plan(json: string, target: RollbackTarget, answers = {}) {
  const { helm, calls } = fakeHelm('v3.17.3', { 'history app': { stdout: json }, ...answers })
  const deps = {
    helm,
    log: silentLog,
    clock: () => new Date(),
    records: {
      runner: async () => ({ code: 0, stdout: '', stderr: '', durationMs: 0 }),
      env: {},
      kubectl: [],
      log: silentLog
    }
  }
  const request = {
    release: 'app',
    namespace: 'prod',
    target,
    reason: '',
    wait: true,
    timeoutMs: 60_000,
    dryRun: false,
    imageValues: DEFAULT_IMAGE_VALUES
  }
  return { result: planRollback(request, deps), calls }
}

describe('rollback targets', () => {
  test('parses previous, last-good, numbers and versions; rejects the rest', () => {
    expect(parseRollbackTarget('previous')).toEqual({ kind: 'previous' })
    expect(parseRollbackTarget('last-good')).toEqual({ kind: 'last-good' })
    expect(parseRollbackTarget('7')).toEqual({ kind: 'revision', revision: 7 })
    expect(parseRollbackTarget('v1.2.3')).toEqual({ kind: 'version', version: 'v1.2.3' })
    expect(parseRollbackTarget('1.3.0-beta.2')).toEqual({
      kind: 'version',
      version: '1.3.0-beta.2'
    })
    for (const bad of ['', 'prev', '-1', 'v1', '1.2', '3; rm -rf /'])
      expect(parseRollbackTarget(bad)).toBeUndefined()
  })

  test('previous skips failed revisions and the ones running what runs now', async () => {
    const json = history(
      [1, 'superseded', ours('v1', 'a')],
      [2, 'superseded', ours('v2', 'b')],
      [3, 'failed', ours('v3', 'c')],
      [4, 'deployed', 'Rollback to 2']
    )
    const { result, calls } = plan(json, { kind: 'previous' })
    const chosen = await result
    expect(chosen.to.revision).toBe(1)
    expect(chosen.from).toMatchObject({
      revision: 4,
      version: 'v2',
      digest: `sha256:${'b'.repeat(64)}`
    })
    expect(chosen.why).toContain('runs something else (v1 instead of v2)')
    // Everything came from the descriptions: one Helm call.
    expect(calls.filter(c => c[0] !== 'version')).toHaveLength(1)
  })

  test('revision 0 is resolved as previous, not reported missing', async () => {
    const json = history([1, 'superseded', ours('v1', 'a')], [2, 'deployed', ours('v2', 'b')])
    expect((await plan(json, { kind: 'revision', revision: 0 }).result).to.revision).toBe(1)
  })

  test('last-good skips pending, failed and rolled-back-from revisions', async () => {
    const json = history(
      [1, 'superseded', ours('v1', 'a')],
      [2, 'superseded', ours('v2', 'b')],
      [3, 'superseded', 'Rollback to 1'],
      [4, 'failed', ours('v4', 'd')],
      [5, 'pending-upgrade', 'Preparing upgrade']
    )
    expect([...rolledBackFrom(parseHistory(json))]).toEqual([2])
    // Helm replaces the description of a pending revision: what it runs comes from its values.
    const values = { stdout: JSON.stringify({ image: { digest: `sha256:${'e'.repeat(64)}` } }) }
    const chosen = await plan(json, { kind: 'last-good' }, { 'get values app': values }).result
    expect(chosen).toMatchObject({ noOp: false, pending: [5] })
    expect(chosen.to).toMatchObject({ revision: 3, version: 'v1' })
    expect(chosen.why).toContain('skipping 4 (failed), 5 (pending-upgrade)')
  })

  test('a revision that runs what runs now is a no-op', async () => {
    const json = history(
      [1, 'superseded', ours('v1', 'a')],
      [2, 'superseded', ours('v2', 'b')],
      [3, 'deployed', 'Rollback to 2']
    )
    const chosen = await plan(json, { kind: 'revision', revision: 2 }).result
    expect(chosen.noOp).toBe(true)
    const version = await plan(json, { kind: 'version', version: 'v2.0.0' }).result.catch(
      e => e as Error
    )
    expect((version as Error).message).toContain(
      'No successfully deployed revision of app runs v2.0.0'
    )
  })

  test('revisions not deployed by us are told apart by their values', async () => {
    const json = history([1, 'superseded', 'Install complete'], [2, 'deployed', 'Upgrade complete'])
    const values = (args: readonly string[]) => ({
      stdout: JSON.stringify({
        image: { digest: `sha256:${(args.at(-1) === '1' ? 'a' : 'b').repeat(64)}` }
      })
    })
    const chosen = await plan(json, { kind: 'previous' }, { 'get values app': values }).result
    expect(chosen.to).toMatchObject({ revision: 1, digest: `sha256:${'a'.repeat(64)}` })
  })

  test('a release without history has nothing to roll back', async () => {
    const { result } = plan('[]', { kind: 'previous' })
    await expect(result).rejects.toThrow(
      'There is nothing to roll back: release app does not exist in namespace prod.'
    )
  })
})
