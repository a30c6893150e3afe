import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { leaveReleasePending, leaveReleasePendingUpgrade } from '../support/helm-pending.js'
import type { HelmMajor } from '../support/helm-tools.js'
import { runHelm } from '../support/helm-tools.js'
import { TINY_CHART } from './chart-fixture.js'
import { conditionsOf, imageOf, waitingReason } from './read-back.js'
import type { K8sSimulator } from './simulator.js'
import { startK8sSimulator } from './simulator.js'

const BROKEN = 'registry.local/tiny-app:broken'

describe.each<HelmMajor>([3, 4])('Helm %i waiting on rollouts in the simulator', version => {
  let sim: K8sSimulator
  const helm = (...args: string[]) => runHelm(version, sim.kubeconfigPath, args)
  const image = (ns: string, name: string) => imageOf(sim.get('apps/v1', 'Deployment', ns, name))
  const statuses = (ns: string, name: string) => sim.releases(ns, name).map(r => r.status)
  const install = async (ns: string, name: string) => {
    const result = await helm(
      'upgrade',
      '--install',
      name,
      TINY_CHART,
      '-n',
      ns,
      '--create-namespace',
      '--wait',
      '--timeout',
      '30s'
    )
    expect(result.stderr).not.toContain('Error')
    expect(result.code).toBe(0)
  }

  beforeAll(async () => {
    sim = await startK8sSimulator()
    sim.markImageBroken(BROKEN)
  })
  afterAll(async () => {
    await sim.stop()
  })

  it('--wait succeeds once a delayed rollout becomes ready, and not before', async () => {
    sim.setRolloutDelay(400)
    try {
      const started = Date.now()
      const result = await helm(
        'upgrade',
        '--install',
        'slow',
        TINY_CHART,
        '-n',
        'wait-ok',
        '--create-namespace',
        '--wait',
        '--timeout',
        '30s'
      )
      expect(result.code).toBe(0)
      expect(Date.now() - started).toBeGreaterThanOrEqual(400)
      expect(sim.get('apps/v1', 'Deployment', 'wait-ok', 'slow')?.status).toMatchObject({
        readyReplicas: 2,
        availableReplicas: 2
      })
      expect(statuses('wait-ok', 'slow')).toEqual(['deployed'])
    } finally {
      sim.setRolloutDelay(0)
    }
  })

  it('--wait times out on a rollout whose image never becomes ready, and the release is failed', async () => {
    await install('wait-bad', 'app')
    const result = await helm(
      'upgrade',
      'app',
      TINY_CHART,
      '-n',
      'wait-bad',
      '--set',
      `image=${BROKEN}`,
      '--wait',
      '--timeout',
      '2s'
    )
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/UPGRADE FAILED/)
    expect(result.stderr).toMatch(
      version === 3 ? /context deadline exceeded/ : /not ready|timeout|deadline/i
    )
    // As on a cluster: the previous revision stays deployed, the new one is marked failed.
    expect(statuses('wait-bad', 'app')).toEqual(['deployed', 'failed'])
    expect(image('wait-bad', 'app')).toBe(BROKEN)
    const pods = sim.list('v1', 'Pod', 'wait-bad').filter(p => imageOf(p) === BROKEN)
    expect(pods.length).toBeGreaterThan(0)
    for (const pod of pods) expect(waitingReason(pod)).toBe('ImagePullBackOff')
  })

  it('reports ProgressDeadlineExceeded when the deadline passes', async () => {
    await install('deadline', 'app')
    const result = await helm(
      'upgrade',
      'app',
      TINY_CHART,
      '-n',
      'deadline',
      '--set',
      `image=${BROKEN}`,
      '--set',
      'progressDeadlineSeconds=1',
      '--wait',
      '--timeout',
      '3s'
    )
    expect(result.code).not.toBe(0)
    if (version === 4) expect(result.stderr).toContain('Progress deadline exceeded')
    const conditions = conditionsOf(sim.get('apps/v1', 'Deployment', 'deadline', 'app'))
    expect(conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded'
        }),
        // The old ReplicaSet keeps serving: the rolling update never took it down.
        expect.objectContaining({ type: 'Available', status: 'True' })
      ])
    )
  })

  it(`an atomic upgrade (${version === 3 ? '--atomic' : '--rollback-on-failure'}) rolls back by itself`, async () => {
    await install('atomic', 'app')
    const flag = version === 3 ? '--atomic' : '--rollback-on-failure'
    const result = await helm(
      'upgrade',
      'app',
      TINY_CHART,
      '-n',
      'atomic',
      '--set',
      `image=${BROKEN}`,
      flag,
      '--wait',
      '--timeout',
      '2s'
    )
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/has been rolled back/)
    expect(statuses('atomic', 'app')).toEqual(['superseded', 'failed', 'deployed'])
    expect(sim.releases('atomic', 'app').at(-1)?.description).toBe('Rollback to 1')
    expect(image('atomic', 'app')).toBe('registry.local/tiny-app:1.0.0')
  })

  it('a helm process killed mid-upgrade leaves the release pending-upgrade, blocking the next upgrade', async () => {
    await install('stuck', 'app')
    const revision = await leaveReleasePendingUpgrade({
      sim,
      helm: version,
      release: 'app',
      namespace: 'stuck',
      chart: TINY_CHART,
      args: ['--set', 'image=registry.local/tiny-app:2.0.0']
    })
    expect(revision).toBe(2)
    expect(statuses('stuck', 'app')).toEqual(['deployed', 'pending-upgrade'])
    // The objects were already changed when helm died.
    expect(image('stuck', 'app')).toBe('registry.local/tiny-app:2.0.0')
    const history = await helm('history', 'app', '-n', 'stuck')
    expect(history.stdout).toMatch(/2\s+.*pending-upgrade/)
    const next = await helm('upgrade', 'app', TINY_CHART, '-n', 'stuck')
    expect(next.code).not.toBe(0)
    expect(next.stderr).toContain('another operation (install/upgrade/rollback) is in progress')
  })
  it('leaves a release pending-install or pending-rollback the same way', async () => {
    const installing = await leaveReleasePending('pending-install', {
      sim,
      helm: version,
      release: 'fresh',
      namespace: 'stuck-install',
      chart: TINY_CHART,
      args: ['--create-namespace']
    })
    expect(installing).toBe(1)
    expect(statuses('stuck-install', 'fresh')).toEqual(['pending-install'])
    expect(sim.get('apps/v1', 'Deployment', 'stuck-install', 'fresh')).toBeDefined()

    await install('rolling', 'app')
    const upgraded = await helm(
      'upgrade',
      'app',
      TINY_CHART,
      '-n',
      'rolling',
      '--set',
      'image=registry.local/tiny-app:2.0.0'
    )
    expect(upgraded.code).toBe(0)
    const rollingBack = await leaveReleasePending('pending-rollback', {
      sim,
      helm: version,
      release: 'app',
      namespace: 'rolling',
      args: ['1']
    })
    expect(rollingBack).toBe(3)
    expect(statuses('rolling', 'app')).toEqual(['superseded', 'deployed', 'pending-rollback'])
  })
})
