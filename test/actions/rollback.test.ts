/**
 * rollback as the runner runs it (dist/rollback/index.js and its post step), with the real Helm
 * 3.17 and 4.1 binaries against the Kubernetes API simulator, over histories deploy-helm made.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync } from 'node:fs'
import type { GitHubSimulator } from '../github-sim/index.js'
import { startGitHubSimulator } from '../github-sim/index.js'
import type { K8sSimulator } from '../k8s-sim/index.js'
import { startK8sSimulator } from '../k8s-sim/index.js'
import type { HelmMajor } from '../support/helm-tools.js'
import { runHelm } from '../support/helm-tools.js'
import {
  REPOSITORY,
  digest,
  expectSuccess,
  helmActions,
  imageOf,
  liveImage,
  statuses
} from './helm-action-support.js'

describe.each<HelmMajor>([3, 4])('rollback with Helm %i', version => {
  let sim: K8sSimulator
  const { deploy, rollback } = helmActions(version, () => sim)

  /** v1.0.0 (a), v1.1.0 (b), v1.2.0 (c): revisions 1, 2, 3. */
  async function threeVersions(ns: string): Promise<void> {
    for (const [letter, v] of [
      ['a', 'v1.0.0'],
      ['b', 'v1.1.0'],
      ['c', 'v1.2.0']
    ] as const) {
      expectSuccess(await deploy({ namespace: ns, image: imageOf(letter), version: v }))
    }
  }

  beforeAll(async () => {
    sim = await startK8sSimulator()
    sim.markImageBroken(`${REPOSITORY}@${digest('f')}`)
  })
  afterAll(async () => {
    await sim.stop()
  })

  test('previous: back to the revision before, with a summary a maintainer reads at a glance', async () => {
    const ns = `prev-${version}`
    await threeVersions(ns)
    const run = expectSuccess(
      await rollback({ namespace: ns, target: 'previous', reason: 'error rate doubled' })
    )
    expect(run.outputs).toMatchObject({
      'from-revision': '3',
      'to-revision': '2',
      'new-revision': '4',
      'rolled-back': 'true'
    })
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('b'))
    expect(statuses(sim, ns, 'app').at(-1)).toBe('4:deployed')
    expect(run.summary).toContain('## Rolled back `app`: `v1.2.0` → `v1.1.0`')
    expect(run.summary).toMatch(/\*\*From\*\* \| revision 3: `v1\.2\.0`, `sha256:cccccccccccc`/)
    expect(run.summary).toMatch(/\*\*To\*\* \| revision 2: `v1\.1\.0`, `sha256:bbbbbbbbbbbb`/)
    expect(run.summary).toContain('**Reason** | error rate doubled')
    expect(run.summary).toContain('**Who** | octocat')
    expect(JSON.parse(run.outputs.audit as string)).toMatchObject({
      action: 'rollback',
      release: 'app',
      namespace: ns,
      version: 'v1.1.0',
      digest: digest('b'),
      revision: 4,
      previousRevision: 3,
      reason: 'error rate doubled',
      actor: 'octocat',
      outcome: 'success'
    })
  })

  test('previous after an atomic failure skips the failed revision and the copy of what runs', async () => {
    const ns = `prev-atomic-${version}`
    expectSuccess(await deploy({ namespace: ns, image: imageOf('a'), version: 'v1.0.0' }))
    expectSuccess(await deploy({ namespace: ns, image: imageOf('b'), version: 'v1.1.0' }))
    const failed = await deploy({
      namespace: ns,
      image: imageOf('f'),
      version: 'v1.2.0',
      timeout: '3s'
    })
    expect(failed.exitCode).toBe(1)
    expect(statuses(sim, ns, 'app')).toEqual([
      '1:superseded',
      '2:superseded',
      '3:failed',
      '4:deployed'
    ])
    // Helm's "previous" (revision 0) would pick revision 3 (failed) or 2 (what 4 already runs).
    const run = expectSuccess(await rollback({ namespace: ns, target: 'previous' }))
    expect(run.outputs).toMatchObject({
      'from-revision': '4',
      'to-revision': '1',
      'new-revision': '5'
    })
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('a'))
  })

  test('last-good over a failed revision', async () => {
    const ns = `last-good-${version}`
    expectSuccess(await deploy({ namespace: ns, image: imageOf('a'), version: 'v1.0.0' }))
    const failed = await deploy({
      namespace: ns,
      image: imageOf('f'),
      version: 'v1.1.0',
      atomic: 'false',
      timeout: '3s'
    })
    expect(failed.exitCode).toBe(1)
    expect(statuses(sim, ns, 'app')).toEqual(['1:deployed', '2:failed'])
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('f'))
    const run = expectSuccess(
      await rollback({ namespace: ns, target: 'last-good', reason: 'broken image' })
    )
    expect(run.outputs).toMatchObject({
      'from-revision': '2',
      'to-revision': '1',
      'new-revision': '3',
      'rolled-back': 'true'
    })
    expect(run.summary).toContain('skipping 2 (failed)')
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('a'))
  })

  test('last-good does not return to a revision that was rolled back from', async () => {
    const ns = `last-good-rb-${version}`
    await threeVersions(ns)
    expectSuccess(await rollback({ namespace: ns, target: 'previous' }))
    // Now 4 (= 2) runs; 3 was rolled back from, so last-good is what runs: a no-op.
    const run = expectSuccess(await rollback({ namespace: ns, target: 'last-good' }))
    expect(run.outputs).toMatchObject({
      'rolled-back': 'false',
      'to-revision': '4',
      'new-revision': ''
    })
    expect(statuses(sim, ns, 'app').at(-1)).toBe('4:deployed')
  })

  test('to a revision number, and to a version', async () => {
    const ns = `number-${version}`
    await threeVersions(ns)
    const byNumber = expectSuccess(await rollback({ namespace: ns, target: '1' }))
    expect(byNumber.outputs).toMatchObject({
      'from-revision': '3',
      'to-revision': '1',
      'new-revision': '4'
    })
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('a'))

    const byVersion = expectSuccess(
      await rollback({ namespace: ns, target: 'v1.2.0', reason: 'false alarm' })
    )
    expect(byVersion.outputs).toMatchObject({
      'from-revision': '4',
      'to-revision': '3',
      'new-revision': '5'
    })
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('c'))
    expect(JSON.parse(byVersion.outputs.audit as string)).toMatchObject({
      version: 'v1.2.0',
      digest: digest('c')
    })

    const unknown = await rollback({ namespace: ns, target: 'v9.9.9' })
    expect(unknown.exitCode).toBe(1)
    expect(unknown.errors[0]).toContain('No successfully deployed revision of app runs v9.9.9')
    expect(unknown.errors[0]).toMatch(/v1\.0\.0.*v1\.1\.0|v1\.1\.0.*v1\.0\.0/)

    const missing = await rollback({ namespace: ns, target: '42' })
    expect(missing.exitCode).toBe(1)
    expect(missing.errors[0]).toContain('app has no revision 42')
  })

  test('a version found from the chart appVersion when the release was not deployed by deploy-helm', async () => {
    const ns = `appversion-${version}`
    const helm = (...args: string[]) => runHelm(version, sim.kubeconfigPath, args)
    const install = await helm(
      'upgrade',
      '--install',
      'app',
      CHART_PATH,
      '-n',
      ns,
      '--create-namespace',
      '--set-string',
      `image.digest=${digest('a')}`
    )
    expect(install.code).toBe(0)
    expectSuccess(await deploy({ namespace: ns, image: imageOf('b'), version: 'v2.0.0' }))
    const run = expectSuccess(await rollback({ namespace: ns, target: '0.1.0' }))
    expect(run.outputs).toMatchObject({ 'to-revision': '1', 'new-revision': '3' })
    expect(liveImage(sim, ns, 'app')).toBe(`ghcr.io/example/model-server@${digest('a')}`)
  })

  test('no-op when the target is what runs, and a dry run that changes nothing', async () => {
    const ns = `noop-${version}`
    await threeVersions(ns)
    const noop = expectSuccess(await rollback({ namespace: ns, target: '3' }))
    expect(noop.outputs).toMatchObject({
      'rolled-back': 'false',
      'from-revision': '3',
      'to-revision': '3',
      'new-revision': ''
    })
    expect(noop.summary).toContain('No rollback needed')
    expect(JSON.parse(noop.outputs.audit as string).outcome).toBe('no-op')

    const dry = expectSuccess(
      await rollback({ namespace: ns, target: 'previous', 'dry-run': 'true' })
    )
    expect(dry.outputs).toMatchObject({
      'rolled-back': 'false',
      'to-revision': '2',
      'new-revision': ''
    })
    expect(dry.summary).toContain('Dry run: would roll back `app`')
    expect(dry.stdout).toContain('Dry run: would roll app back from revision 3 to 2')
    expect(JSON.parse(dry.outputs.audit as string).outcome).toBe('dry-run')
    expect(statuses(sim, ns, 'app')).toEqual(['1:superseded', '2:superseded', '3:deployed'])
  })

  test('a release stuck pending is rolled back and the stuck revision marked failed', async () => {
    const ns = `pending-${version}`
    expectSuccess(await deploy({ namespace: ns, image: imageOf('a'), version: 'v1.0.0' }))
    const fault = sim.injectFault({
      pathPattern: `/namespaces/${ns}/secrets/sh.helm.release.v1.app.v`,
      method: 'PUT',
      status: 503
    })
    try {
      expect(
        (await deploy({ namespace: ns, image: imageOf('b'), version: 'v1.1.0' })).exitCode
      ).toBe(1)
    } finally {
      sim.removeFault(fault)
    }
    expect(statuses(sim, ns, 'app')).toEqual(['1:deployed', '2:pending-upgrade'])
    const run = expectSuccess(await rollback({ namespace: ns, target: 'last-good' }))
    expect(run.outputs).toMatchObject({
      'from-revision': '2',
      'to-revision': '1',
      'new-revision': '3'
    })
    expect(statuses(sim, ns, 'app')).toEqual(['1:superseded', '2:failed', '3:deployed'])
    expect(run.summary).toContain('**Abandoned revisions marked failed** | 2')
  })

  test('blue-green: rollback is a switch back to the colour still running the old version', async () => {
    const ns = `bg-${version}`
    const selector = () =>
      (sim.get('v1', 'Service', ns, 'app')?.spec as { selector: Record<string, string> }).selector
    expectSuccess(
      await deploy({
        namespace: ns,
        image: imageOf('a'),
        strategy: 'blue-green',
        version: 'v1.0.0'
      })
    )
    expectSuccess(
      await deploy({
        namespace: ns,
        image: imageOf('b'),
        strategy: 'blue-green',
        version: 'v1.1.0'
      })
    )
    expect(selector()).toMatchObject({ color: 'green' })
    const greenBefore = statuses(sim, ns, 'app-green')

    const back = expectSuccess(
      await rollback({ namespace: ns, target: 'previous', reason: 'latency' })
    )
    expect(selector()).toMatchObject({ color: 'blue' })
    expect(back.outputs).toMatchObject({
      'from-revision': '2',
      'to-revision': '1',
      'new-revision': '3',
      'rolled-back': 'true'
    })
    expect(back.summary).toContain(
      'switching traffic from green back to blue, which still runs blue v1.0.0'
    )
    expect(JSON.parse(back.outputs.audit as string)).toMatchObject({
      strategy: 'blue-green',
      version: 'v1.0.0',
      digest: digest('a')
    })
    // Both colours stay up: switching forth again is as instant.
    expect(statuses(sim, ns, 'app-green')).toEqual(greenBefore)
    expect(liveImage(sim, ns, 'app-green')).toBe(imageOf('b'))

    const forth = expectSuccess(await rollback({ namespace: ns, target: 'v1.1.0' }))
    expect(selector()).toMatchObject({ color: 'green' })
    expect(forth.outputs['rolled-back']).toBe('true')
    const noop = expectSuccess(await rollback({ namespace: ns, target: 'v1.1.0' }))
    expect(noop.outputs['rolled-back']).toBe('false')
  })

  test('the kubeconfig file is gone after the post step, even when the rollback failed', async () => {
    const run = await rollback({ namespace: `nothing-${version}` })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toContain('There is nothing to roll back: release app does not exist')
    const path = run.state['kubeconfig-path'] as string
    expect(path).toMatch(/mlops-kubeconfig-[0-9a-f]{16}$/)
    expect(existsSync(path)).toBe(false)
  })
})

const CHART_PATH = new URL('../../examples/model-repo/chart', import.meta.url).pathname

describe.each<HelmMajor>([3, 4])('rollback with Helm %i records GitHub deployments', version => {
  let sim: K8sSimulator
  let github: GitHubSimulator
  const { deploy, rollback } = helmActions(version, () => sim)
  const gh = {
    'github-token': 'ghs_rollbackToken0000000000000000000000',
    environment: 'prod',
    'environment-url': 'https://model.example.com'
  }

  beforeAll(async () => {
    sim = await startK8sSimulator()
    github = await startGitHubSimulator({ acceptAnySha: true })
  })
  afterAll(async () => {
    await sim.stop()
    await github.stop()
  })

  test('the bad deployment is marked failure, the restored release gets a successful deployment', async () => {
    expectSuccess(
      await deploy({ namespace: 'gh', image: imageOf('a'), version: 'v1.0.0', ...gh }, github.env)
    )
    const bad = expectSuccess(
      await deploy({ namespace: 'gh', image: imageOf('b'), version: 'v1.1.0', ...gh }, github.env)
    )
    const run = expectSuccess(
      await rollback(
        { namespace: 'gh', target: 'previous', reason: 'alert: error rate', ...gh },
        github.env
      )
    )
    const deployments = github.state.deployments('acme/model-repo')
    const badDeployment = deployments.find(d => String(d.id) === bad.outputs['deployment-id'])
    expect(badDeployment?.statuses.map(s => s.state)).toEqual(['in_progress', 'success', 'failure'])
    expect(badDeployment?.statuses.at(-1)?.description).toContain(
      'Rolled back by octocat: alert: error rate'
    )
    const restored = deployments.at(-1)
    expect(restored?.task).toBe('deploy:rollback')
    expect(restored?.statuses.map(s => s.state)).toEqual(['in_progress', 'success'])
    expect(restored?.payload).toMatchObject({
      action: 'rollback',
      version: 'v1.0.0',
      reason: 'alert: error rate',
      environment: 'prod'
    })
    expect(JSON.parse(run.outputs.audit as string)).toMatchObject({
      outcome: 'success',
      revision: 3
    })
    github.assertNoViolations()
  })
})

describe('rollback refuses bad inputs before Helm runs', () => {
  let sim: K8sSimulator
  const { rollback } = helmActions(4, () => sim)
  beforeAll(async () => {
    sim = await startK8sSimulator()
  })
  afterAll(async () => {
    await sim.stop()
  })

  test.each([
    ['target', 'yesterday', 'previous, last-good, a revision number'],
    ['target', '-1', 'previous, last-good, a revision number'],
    ['release', 'My_App', 'a Helm release name'],
    ['namespace', 'UPPER', 'a Kubernetes namespace name'],
    ['timeout', '1 hour', 'a duration'],
    ['dry-run', 'maybe', 'true or false']
  ])('%s=%j fails naming the input', async (input, value, accepted) => {
    sim.clearRequests()
    const run = await rollback({ namespace: 'bad', [input]: value })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toContain(`Input "${input}"`)
    expect(run.errors[0]).toContain(accepted)
    expect(sim.requests()).toEqual([])
  })
})
