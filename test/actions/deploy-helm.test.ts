/**
 * deploy-helm as the runner runs it (the bundled dist/deploy-helm/index.js and its post step),
 * with the real Helm 3.17 and Helm 4.1 binaries against the Kubernetes API simulator.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { GitHubSimulator } from '../github-sim/index.js'
import { startGitHubSimulator } from '../github-sim/index.js'
import type { K8sSimulator } from '../k8s-sim/index.js'
import { startK8sSimulator } from '../k8s-sim/index.js'
import { leaveReleasePendingUpgrade } from '../support/helm-pending.js'
import type { HelmMajor } from '../support/helm-tools.js'
import { runHelm } from '../support/helm-tools.js'
import {
  CHART,
  REPOSITORY,
  digest,
  expectSuccess,
  helmActions,
  imageOf,
  liveImage,
  statuses
} from './helm-action-support.js'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

describe.each<HelmMajor>([3, 4])('deploy-helm with Helm %i', version => {
  let sim: K8sSimulator
  const { deploy } = helmActions(version, () => sim)

  beforeAll(async () => {
    sim = await startK8sSimulator()
    sim.markImageBroken(`${REPOSITORY}@${digest('f')}`)
  })
  afterAll(async () => {
    await sim.stop()
  })

  test('first install, then an upgrade: outputs, pinned digest, release record, summary', async () => {
    const ns = `first-${version}`
    const first = expectSuccess(
      await deploy({ namespace: ns, image: REPOSITORY, digest: digest('a'), version: 'v1.0.0' })
    )
    expect(first.outputs).toMatchObject({
      revision: '1',
      'previous-revision': '',
      status: 'deployed',
      'deployment-id': ''
    })
    expect(first.outputs['helm-version']).toMatch(new RegExp(`^v${version}\\.`))
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('a'))
    const audit = JSON.parse(first.outputs.audit as string)
    expect(audit).toMatchObject({
      schema: 'mlops-actions/audit/v1',
      action: 'deploy',
      release: 'app',
      namespace: ns,
      version: 'v1.0.0',
      image: REPOSITORY,
      digest: digest('a'),
      chartVersion: '0.1.0',
      revision: 1,
      previousRevision: null,
      strategy: 'direct',
      actor: 'octocat',
      outcome: 'success'
    })
    const record = sim.releases(ns, 'app')[0]
    expect(record?.description).toContain('version=v1.0.0')
    expect(record?.description).toContain(`digest=${digest('a')}`)
    expect(record?.labels['mlops.version']).toBe('v1.0.0')
    expect(first.summary).toContain('Deployed: `app` `v1.0.0`')
    expect(first.summary).toContain(digest('a'))
    expect(first.summary).toMatch(/\| `app` \| none \| 1 \| deployed \|/)
    expect(first.summary).toContain('rollout took')
    expect(first.summary).toContain('`app`: revision 1 deployed')

    const second = expectSuccess(
      await deploy({ namespace: ns, image: imageOf('b'), version: 'v1.1.0' })
    )
    expect(second.outputs).toMatchObject({
      revision: '2',
      'previous-revision': '1',
      status: 'deployed'
    })
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('b'))
    expect(statuses(sim, ns, 'app')).toEqual(['1:superseded', '2:deployed'])
    expect(second.summary).toMatch(/\| `app` \| 1 \| 2 \| deployed \|/)
  })

  test('values files apply in order, inline values after them', async () => {
    const ns = `values-${version}`
    const dir = mkdtempSync(join(tmpdir(), 'values-'))
    writeFileSync(join(dir, 'base.yaml'), 'replicaCount: 2\nenv:\n  FROM_FILE: base\n')
    writeFileSync(join(dir, 'prod.yaml'), 'replicaCount: 4\n')
    const run = expectSuccess(
      await deploy({
        namespace: ns,
        image: imageOf('a'),
        'values-files': `${join(dir, 'base.yaml')}\n${join(dir, 'prod.yaml')}`,
        values: 'env:\n  MODE: "fast, careful"\n'
      })
    )
    expect(run.outputs.status).toBe('deployed')
    const deployment = sim.get('apps/v1', 'Deployment', ns, 'app')
    expect((deployment?.spec as { replicas: number }).replicas).toBe(4)
    const env = (
      deployment?.spec as { template: { spec: { containers: Array<{ env: unknown[] }> } } }
    ).template.spec.containers[0]?.env
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'FROM_FILE', value: 'base' },
        { name: 'MODE', value: 'fast, careful' }
      ])
    )
    // The inline values file is private to the run and removed at once.
    expect(
      readdirSync(join(run.state['kubeconfig-path'] as string, '..')).filter(f =>
        f.startsWith('mlops-values-')
      )
    ).toEqual([])
  })

  test('a failed rollout is rolled back by Helm (atomic) and the action fails clearly', async () => {
    const ns = `atomic-${version}`
    expectSuccess(await deploy({ namespace: ns, image: imageOf('a'), version: 'v1.0.0' }))
    const bad = await deploy({
      namespace: ns,
      image: imageOf('f'),
      version: 'v1.1.0',
      timeout: '3s'
    })
    expect(bad.exitCode).toBe(1)
    expect(bad.errors[0]).toContain(`Deploying app to ${ns} failed`)
    expect(bad.errors[0]).toMatch(/rolled back on failure: revision 3 restores revision 1/)
    expect(statuses(sim, ns, 'app')).toEqual(['1:superseded', '2:failed', '3:deployed'])
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('a'))
    expect(JSON.parse(bad.outputs.audit as string)).toMatchObject({
      outcome: 'rolled-back',
      revision: 3,
      previousRevision: 1
    })
    expect(bad.outputs.status).toBe('failed')
    expect(bad.summary).toContain('Deploy failed')
  })

  test('a release stuck in pending-upgrade is recovered, then deployed; a young one is left alone', async () => {
    const ns = `stuck-${version}`
    expectSuccess(await deploy({ namespace: ns, image: imageOf('a'), version: 'v1.0.0' }))
    const stuck = await leaveReleasePendingUpgrade({
      sim,
      helm: version,
      release: 'app',
      namespace: ns,
      chart: CHART,
      args: [
        '--set-string',
        `image.repository=${REPOSITORY}`,
        '--set-string',
        `image.digest=${digest('b')}`
      ]
    })
    expect(stuck).toBe(2)

    const young = await deploy({ namespace: ns, image: imageOf('c'), timeout: '2s' })
    expect(young.exitCode).toBe(1)
    expect(young.errors[0]).toMatch(
      /revision 2 is pending-upgrade since .* the timeout is 2s, so a Helm operation may still be running/
    )
    expect(statuses(sim, ns, 'app')).toEqual(['1:deployed', '2:pending-upgrade'])

    await sleep(2100)
    const run = expectSuccess(
      await deploy({ namespace: ns, image: imageOf('c'), version: 'v1.2.0', timeout: '2s' })
    )
    expect(run.warnings.join('\n')).toMatch(
      /older than the timeout, so no Helm operation is still running on it/
    )
    expect(run.summary).toContain('Stuck release recovered')
    expect(run.summary).toContain('Rolled back to revision 1; revision 2 marked failed')
    expect(statuses(sim, ns, 'app')).toEqual([
      '1:superseded',
      '2:failed',
      '3:superseded',
      '4:deployed'
    ])
    expect(run.outputs).toMatchObject({
      revision: '4',
      'previous-revision': '3',
      status: 'deployed'
    })
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('c'))
    const history = await runHelm(version, sim.kubeconfigPath, [
      'history',
      'app',
      '-n',
      ns,
      '-o',
      'json'
    ])
    expect(JSON.parse(history.stdout).map((r: { status: string }) => r.status)).toEqual([
      'superseded',
      'failed',
      'superseded',
      'deployed'
    ])
  })

  test('the API failing mid-upgrade fails the deploy clearly; the next run recovers and deploys', async () => {
    const ns = `fault-${version}`
    expectSuccess(await deploy({ namespace: ns, image: imageOf('a') }))
    // The objects change, then every write of the release record fails: Helm cannot record the
    // outcome and the revision stays pending-upgrade, as when the API server goes away mid-way.
    const fault = sim.injectFault({
      pathPattern: `/namespaces/${ns}/secrets/sh.helm.release.v1.app.v`,
      method: 'PUT',
      status: 503
    })
    let failed
    try {
      failed = await deploy({ namespace: ns, image: imageOf('b'), timeout: '2s' })
    } finally {
      sim.removeFault(fault)
    }
    expect(failed.exitCode).toBe(1)
    expect(failed.errors[0]).toContain(`Deploying app to ${ns} failed: `)
    expect(failed.errors[0]).toContain('simulated fault: 503')
    expect(failed.errors[0]).toContain(
      'The latest revision is 2 (pending-upgrade). The next deploy recovers it once the timeout has passed.'
    )
    expect(failed.outputs.status).toBe('pending-upgrade')
    expect(statuses(sim, ns, 'app')).toEqual(['1:deployed', '2:pending-upgrade'])

    await sleep(2100)
    const next = expectSuccess(await deploy({ namespace: ns, image: imageOf('b'), timeout: '2s' }))
    expect(next.outputs).toMatchObject({ status: 'deployed', revision: '4' })
    expect(statuses(sim, ns, 'app')).toEqual([
      '1:superseded',
      '2:failed',
      '3:superseded',
      '4:deployed'
    ])
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('b'))
  })

  test('a write refused by the API server fails the deploy; Helm rolls back and the next deploy works', async () => {
    const ns = `refused-${version}`
    expectSuccess(await deploy({ namespace: ns, image: imageOf('a') }))
    const fault = sim.injectFault({
      pathPattern: `/namespaces/${ns}/deployments/app`,
      method: 'PATCH',
      status: 500
    })
    let failed
    try {
      failed = await deploy({ namespace: ns, image: imageOf('b') })
    } finally {
      sim.removeFault(fault)
    }
    expect(failed.exitCode).toBe(1)
    expect(failed.errors[0]).toContain('simulated fault: 500')
    expect(failed.errors[0]).toMatch(/The latest revision is 3 \((deployed|failed)\)/)
    const next = expectSuccess(await deploy({ namespace: ns, image: imageOf('b') }))
    expect(next.outputs.status).toBe('deployed')
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('b'))
  })

  test('canary deploy then promote: stable moves to the canary image, the canary goes', async () => {
    const ns = `promote-${version}`
    expectSuccess(await deploy({ namespace: ns, image: imageOf('a'), version: 'v1.0.0' }))
    const canary = expectSuccess(
      await deploy({
        namespace: ns,
        image: imageOf('b'),
        version: 'v1.1.0',
        strategy: 'canary',
        'canary-weight': '20'
      })
    )
    expect(canary.outputs).toMatchObject({ revision: '1', status: 'deployed' })
    expect(liveImage(sim, ns, 'app-canary')).toBe(imageOf('b'))
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('a'))
    const canaryRecord = sim.releases(ns, 'app-canary')[0]
    expect(canaryRecord?.values).toMatchObject({
      track: 'canary',
      canary: { enabled: true, weight: 20 }
    })
    expect(sim.get('apps/v1', 'Deployment', ns, 'app-canary')?.metadata.annotations).toMatchObject({
      'mlops.example/canary-weight': '20'
    })
    expect(canary.summary).toContain('Canary deployed')

    const promote = expectSuccess(
      await deploy({ namespace: ns, strategy: 'canary', action: 'promote', version: 'v1.1.0' })
    )
    expect(promote.outputs).toMatchObject({
      revision: '2',
      'previous-revision': '1',
      status: 'deployed'
    })
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('b'))
    expect(sim.releases(ns, 'app-canary')).toEqual([])
    expect(sim.get('apps/v1', 'Deployment', ns, 'app-canary')).toBeUndefined()
    expect(JSON.parse(promote.outputs.audit as string)).toMatchObject({
      action: 'promote',
      digest: digest('b'),
      strategy: 'canary'
    })
    expect(promote.summary).toContain('Canary promoted')
  })

  test('canary deploy then abort: the canary goes, stable is untouched', async () => {
    const ns = `abort-${version}`
    expectSuccess(await deploy({ namespace: ns, image: imageOf('a') }))
    const stableBefore = sim.get('apps/v1', 'Deployment', ns, 'app')
    expectSuccess(await deploy({ namespace: ns, image: imageOf('b'), strategy: 'canary' }))
    const abort = expectSuccess(
      await deploy({ namespace: ns, strategy: 'canary', action: 'abort', chart: '' })
    )
    expect(abort.outputs).toMatchObject({ status: 'uninstalled', revision: '' })
    expect(sim.releases(ns, 'app-canary')).toEqual([])
    expect(sim.get('apps/v1', 'Deployment', ns, 'app-canary')).toBeUndefined()
    expect(statuses(sim, ns, 'app')).toEqual(['1:deployed'])
    expect(sim.get('apps/v1', 'Deployment', ns, 'app')?.metadata.resourceVersion).toBe(
      stableBefore?.metadata.resourceVersion
    )
    expect(abort.summary).toContain('Canary aborted')
  })

  test('blue-green: first deploy goes blue, the next goes green and the router switches to it', async () => {
    const ns = `bg-${version}`
    const selector = () =>
      (sim.get('v1', 'Service', ns, 'app')?.spec as { selector: Record<string, string> }).selector
    const first = expectSuccess(
      await deploy({
        namespace: ns,
        image: imageOf('a'),
        strategy: 'blue-green',
        version: 'v1.0.0'
      })
    )
    expect(liveImage(sim, ns, 'app-blue')).toBe(imageOf('a'))
    expect(selector()).toMatchObject({ color: 'blue', 'mlops.example/app': 'app' })
    expect(first.outputs).toMatchObject({ revision: '1', status: 'deployed' })

    const second = expectSuccess(
      await deploy({
        namespace: ns,
        image: imageOf('b'),
        strategy: 'blue-green',
        version: 'v1.1.0'
      })
    )
    expect(liveImage(sim, ns, 'app-green')).toBe(imageOf('b'))
    expect(liveImage(sim, ns, 'app-blue')).toBe(imageOf('a'))
    expect(selector()).toMatchObject({ color: 'green' })
    expect(second.outputs).toMatchObject({ revision: '2', 'previous-revision': '1' })
    expect(second.summary).toContain('green (was blue, still running for an instant switch back)')
  })

  test('blue-green: a colour that never becomes healthy gets no traffic', async () => {
    const ns = `bg-bad-${version}`
    const selector = () =>
      (sim.get('v1', 'Service', ns, 'app')?.spec as { selector: Record<string, string> }).selector
    expectSuccess(await deploy({ namespace: ns, image: imageOf('a'), strategy: 'blue-green' }))
    const bad = await deploy({
      namespace: ns,
      image: imageOf('f'),
      strategy: 'blue-green',
      wait: 'false',
      timeout: '3s'
    })
    expect(bad.exitCode).toBe(1)
    expect(bad.errors[0]).toContain('Deploying app-green')
    expect(selector()).toMatchObject({ color: 'blue' })
    expect(statuses(sim, ns, 'app')).toEqual(['1:deployed'])
  })

  test('blue-green refuses to turn an ordinary release into a router', async () => {
    const ns = `bg-direct-${version}`
    expectSuccess(await deploy({ namespace: ns, image: imageOf('a') }))
    const run = await deploy({ namespace: ns, image: imageOf('b'), strategy: 'blue-green' })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toContain('exists and is not a blue-green router')
    expect(statuses(sim, ns, 'app')).toEqual(['1:deployed'])
    expect(sim.releases(ns, 'app-blue')).toEqual([])
    expect(liveImage(sim, ns, 'app')).toBe(imageOf('a'))
  })

  test('the kubeconfig file is private while the step runs and gone after the post step, even on failure', async () => {
    const ns = `kube-${version}`
    const ok = expectSuccess(await deploy({ namespace: ns, image: imageOf('a') }))
    const path = ok.state['kubeconfig-path'] as string
    expect(path).toMatch(/runner-temp\/mlops-kubeconfig-[0-9a-f]{16}$/)
    expect(ok.post?.exitCode).toBe(0)
    expect(existsSync(path)).toBe(false)
    expect(ok.masks.length).toBeGreaterThan(0)

    const failed = await deploy({ namespace: ns, chart: '/nonexistent/chart', image: imageOf('b') })
    expect(failed.exitCode).toBe(1)
    const failedPath = failed.state['kubeconfig-path'] as string
    expect(failedPath).toBeTruthy()
    expect(failed.post?.stdout).toContain('Removed the kubeconfig file')
    expect(existsSync(failedPath)).toBe(false)
  })
})

describe.each<HelmMajor>([3, 4])(
  'deploy-helm with Helm %i records a GitHub Deployment per environment',
  version => {
    let sim: K8sSimulator
    let github: GitHubSimulator
    const { deploy } = helmActions(version, () => sim)
    const withGitHub = (inputs: Record<string, string>) =>
      deploy({ 'github-token': 'ghs_deployToken000000000000000000000000', ...inputs }, github.env)

    beforeAll(async () => {
      sim = await startK8sSimulator()
      sim.markImageBroken(`${REPOSITORY}@${digest('f')}`)
      github = await startGitHubSimulator({ acceptAnySha: true })
    })
    afterAll(async () => {
      await sim.stop()
      await github.stop()
    })

    test('statuses in_progress then success, the audit record as payload, environment_url', async () => {
      const run = expectSuccess(
        await withGitHub({
          namespace: 'gh-ok',
          image: imageOf('a'),
          version: 'v2.0.0',
          environment: 'staging',
          'environment-url': 'https://staging.example.com/model'
        })
      )
      const [deployment] = github.state.deployments('acme/model-repo')
      expect(run.outputs['deployment-id']).toBe(String(deployment?.id))
      expect(deployment).toMatchObject({
        environment: 'staging',
        task: 'deploy',
        autoMerge: false,
        requiredContexts: [],
        productionEnvironment: false,
        transientEnvironment: false
      })
      expect(deployment?.payload).toMatchObject({
        schema: 'mlops-actions/audit/v1',
        action: 'deploy',
        release: 'app',
        namespace: 'gh-ok',
        version: 'v2.0.0',
        digest: digest('a'),
        environment: 'staging'
      })
      expect(deployment?.statuses.map(s => s.state)).toEqual(['in_progress', 'success'])
      expect(deployment?.statuses.at(-1)).toMatchObject({
        environmentUrl: 'https://staging.example.com/model',
        logUrl: 'https://github.com/acme/model-repo/actions/runs/4242/attempts/1'
      })
      expect(run.summary).toContain(`**GitHub deployment** | ${deployment?.id}`)
      github.assertNoViolations()
    })

    test('a failed deploy ends its deployment in failure', async () => {
      // environment-url is given: the simulator answers an absent one with "", which its own check of
      // GitHub's description rejects (format uri).
      const run = await withGitHub({
        namespace: 'gh-bad',
        image: imageOf('f'),
        environment: 'prod',
        'environment-url': 'https://model.example.com',
        timeout: '2s'
      })
      expect(run.exitCode).toBe(1)
      const deployment = github.state
        .deployments('acme/model-repo')
        .find(d => (d.payload as { namespace?: string }).namespace === 'gh-bad')
      expect(deployment?.productionEnvironment).toBe(true)
      expect(deployment?.statuses.map(s => s.state)).toEqual(['in_progress', 'failure'])
      expect(deployment?.statuses.at(-1)?.description).toContain('Deploying app to gh-bad failed')
      expect(JSON.parse(run.outputs.audit as string)).toMatchObject({
        outcome: 'failure',
        environment: 'prod'
      })
      github.assertNoViolations()
    })
  }
)

describe('deploy-helm refuses bad inputs before Helm runs', () => {
  let sim: K8sSimulator
  const { deploy } = helmActions(3, () => sim)

  beforeAll(async () => {
    sim = await startK8sSimulator()
  })
  afterAll(async () => {
    await sim.stop()
  })

  test.each([
    ['release', 'App_1', 'a Helm release name'],
    ['release', 'a'.repeat(47), 'at most 46 characters'],
    ['release', '-app', 'a Helm release name'],
    ['namespace', 'Prod', 'a Kubernetes namespace name'],
    ['namespace', 'ns.with.dots', 'a Kubernetes namespace name'],
    ['strategy', 'rolling', 'direct, canary, blue-green'],
    ['action', 'rollout', 'deploy, promote, abort'],
    ['action', 'promote', 'promote and abort need strategy: canary'],
    ['canary-weight', '101', 'a whole number from 0 to 100'],
    ['canary-weight', '-1', 'a whole number from 0 to 100'],
    ['canary-weight', '12.5', 'a whole number from 0 to 100'],
    ['timeout', '5 minutes', 'a duration such as 500ms, 30s, 5m or 1h'],
    ['timeout', '10', 'a duration such as 500ms, 30s, 5m or 1h'],
    ['history-max', 'ten', 'a whole number'],
    ['atomic', 'yes', 'true or false'],
    ['digest', 'sha256:xyz', 'sha256: followed by 64'],
    ['image', 'registry.local/model:1.0', 'deploys pin the image by digest'],
    ['values', 'a: [1, 2', 'valid YAML'],
    ['values', '- just\n- a list', 'YAML mapping'],
    ['chart', '--post-renderer=/bin/sh', 'a chart directory'],
    ['image-digest-value', 'image digest', 'a value path such as image.digest']
  ])('%s=%j fails naming the input', async (input, value, accepted) => {
    sim.clearRequests()
    const inputs: Record<string, string> = {
      namespace: 'bad-inputs',
      image: imageOf('a'),
      [input]: value
    }
    if (input === 'image') delete inputs.digest
    const run = await deploy(inputs)
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(`Input "${input === 'image' ? 'digest' : input}"`)
    expect(run.errors[0]).toContain(accepted)
    expect(sim.requests()).toEqual([])
  })
})
