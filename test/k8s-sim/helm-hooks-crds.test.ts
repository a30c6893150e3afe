import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { HelmMajor } from '../support/helm-tools.js'
import { runHelm } from '../support/helm-tools.js'
import { CRD_HOOKS_CHART } from './chart-fixture.js'
import { conditionsOf } from './read-back.js'
import type { K8sSimulator } from './simulator.js'
import { startK8sSimulator } from './simulator.js'

describe.each<HelmMajor>([3, 4])('Helm %i with CRDs, hook Jobs and helm test', version => {
  let sim: K8sSimulator
  const helm = (...args: string[]) => runHelm(version, sim.kubeconfigPath, args)

  beforeAll(async () => {
    sim = await startK8sSimulator()
    sim.markImageBroken('bad:*')
  })
  afterAll(async () => {
    await sim.stop()
  })

  it('installs the CRD first, runs the hook Job to completion, then creates the custom resource', async () => {
    const install = await helm(
      'install',
      'w',
      CRD_HOOKS_CHART,
      '-n',
      'crd',
      '--create-namespace',
      '--wait',
      '--wait-for-jobs',
      '--timeout',
      '20s'
    )
    expect(install.stderr).toBe('')
    expect(install.code).toBe(0)
    expect(
      sim.get(
        'apiextensions.k8s.io/v1',
        'CustomResourceDefinition',
        undefined,
        'widgets.example.com'
      )
    ).toBeDefined()
    expect(sim.get('example.com/v1', 'Widget', 'crd', 'w')?.spec).toEqual({ size: 1 })
    const job = sim.get('batch/v1', 'Job', 'crd', 'w-migrate')
    expect(conditionsOf(job)).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Complete', status: 'True' })])
    )
  })

  it('upgrades the custom resource with a merge patch or apply', async () => {
    const upgrade = await helm(
      'upgrade',
      'w',
      CRD_HOOKS_CHART,
      '-n',
      'crd',
      '--set',
      'size=3',
      '--wait',
      '--timeout',
      '20s'
    )
    expect(upgrade.code).toBe(0)
    expect(sim.get('example.com/v1', 'Widget', 'crd', 'w')?.spec).toEqual({ size: 3 })
    expect(sim.get('example.com/v1', 'Widget', 'crd', 'w')?.metadata.generation).toBe(2)
  })

  it('helm test runs the test Pod to Succeeded', async () => {
    const test = await helm('test', 'w', '-n', 'crd')
    expect(test.code).toBe(0)
    expect(test.stdout).toMatch(/Phase:\s+Succeeded/)
  })

  it('fails the install when the hook Job fails', async () => {
    const install = await helm(
      'install',
      'x',
      CRD_HOOKS_CHART,
      '-n',
      'crd-bad',
      '--create-namespace',
      '--set',
      'jobImage=bad:1',
      '--wait',
      '--timeout',
      '20s'
    )
    expect(install.code).not.toBe(0)
    expect(install.stderr).toMatch(
      version === 3
        ? /job x-migrate failed: BackoffLimitExceeded/
        : /Job\/crd-bad\/x-migrate not ready. status: Failed/
    )
    expect(sim.releases('crd-bad', 'x').map(r => r.status)).toEqual(['failed'])
  })
})
