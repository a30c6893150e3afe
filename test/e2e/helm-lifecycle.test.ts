/**
 * The end-to-end suite: deploy-helm and rollback, bundled and run as the runner runs them, with
 * the real Helm 3 and Helm 4, against the cluster of test/support/cluster.ts (the simulator here,
 * a kind cluster in e2e.yml). Install, upgrade, a broken rollout rolled back by Helm's atomic
 * option, a rollback by hand, a canary deployed and aborted, everything uninstalled at the end.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot, runActionBundle, type ActionRun } from '../harness/run-action.js'
import { openCluster, type TestCluster } from '../support/cluster.js'
import { helmBinary, type HelmMajor } from '../support/helm-tools.js'
import { runCommand } from '../../src/lib/command.js'

const CHART = join(repoRoot, 'test', 'e2e', 'fixtures', 'pause-app')

let cluster: TestCluster
beforeAll(async () => {
  cluster = await openCluster()
}, 120_000)
afterAll(async () => {
  await cluster?.stop()
})

describe.each([3, 4] as HelmMajor[])('Helm %i', helm => {
  const namespace = `e2e-helm${helm}`
  const common = () => ({
    release: 'app',
    namespace,
    chart: CHART,
    'create-namespace': 'true',
    'helm-path': helmBinary(helm),
    kubeconfig: readFileSync(cluster.kubeconfigPath, 'utf8'),
    'github-token': '',
    timeout: '90s'
  })
  const deploy = (inputs: Record<string, string>): Promise<ActionRun> =>
    runActionBundle('deploy-helm', { inputs: { ...common(), ...inputs } })
  const history = async (release = 'app') => {
    const result = await runCommand(helmBinary(helm), [
      'history',
      release,
      '--namespace',
      namespace,
      '--output',
      'json',
      '--kubeconfig',
      cluster.kubeconfigPath
    ])
    return (JSON.parse(result.stdout) as { revision: number; status: string }[]).map(
      r => `${r.revision}:${r.status}`
    )
  }

  afterAll(async () => {
    for (const release of ['app', 'app-canary']) {
      await runCommand(
        helmBinary(helm),
        ['uninstall', release, '--namespace', namespace, '--kubeconfig', cluster.kubeconfigPath],
        { check: false }
      )
    }
  })

  test('install, upgrade, a broken upgrade rolled back by atomic, a rollback by hand', async () => {
    const { repository, digest } = cluster.image
    const first = await deploy({ image: repository, digest, version: '1.0.0' })
    expect(first.exitCode).toBe(0)
    expect(first.outputs).toMatchObject({ revision: '1', status: 'deployed' })

    const second = await deploy({
      image: repository,
      digest,
      version: '1.1.0',
      values: 'env:\n  RELEASE: "1.1.0"'
    })
    expect(second.outputs).toMatchObject({
      revision: '2',
      'previous-revision': '1',
      status: 'deployed'
    })

    const broken = await deploy({
      image: cluster.brokenImage.repository,
      digest: cluster.brokenImage.digest,
      version: '1.2.0',
      values: 'progressDeadlineSeconds: 5',
      timeout: '20s'
    })
    expect(broken.exitCode).toBe(1)
    expect(broken.outputs.status).toBe('failed')
    // Helm's atomic option put 1.1.0 back by itself.
    expect((await history()).at(-1)).toBe('4:deployed')

    const { chart, 'create-namespace': createNamespace, ...shared } = common() // not rollback inputs
    const rollback = await runActionBundle('rollback', {
      inputs: { ...shared, target: '1', reason: 'end-to-end: back to the first release' }
    })
    expect(rollback.exitCode).toBe(0)
    expect(rollback.outputs).toMatchObject({ 'to-revision': '1', 'rolled-back': 'true' })
    expect((await history()).at(-1)).toBe('5:deployed')
  }, 300_000)

  test('a canary beside stable, then aborted: stable untouched', async () => {
    const { repository, digest } = cluster.image
    const before = await history()
    const canary = await deploy({
      image: repository,
      digest,
      version: '2.0.0',
      strategy: 'canary',
      'canary-weight': '20'
    })
    expect(canary.exitCode).toBe(0)
    expect(await history('app-canary')).toEqual(['1:deployed'])
    const abort = await deploy({ strategy: 'canary', action: 'abort' })
    expect(abort.exitCode).toBe(0)
    expect(await history()).toEqual(before)
    const gone = await runCommand(
      helmBinary(helm),
      ['status', 'app-canary', '--namespace', namespace, '--kubeconfig', cluster.kubeconfigPath],
      { check: false }
    )
    expect(gone.code).not.toBe(0)
  }, 300_000)
})
