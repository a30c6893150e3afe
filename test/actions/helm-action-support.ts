/** Shared by the deploy-helm and rollback action tests: the simulator, the chart, digests. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ActionRun } from '../harness/run-action.js'
import { repoRoot, runActionBundle } from '../harness/run-action.js'
import type { K8sSimulator } from '../k8s-sim/index.js'
import type { HelmMajor } from '../support/helm-tools.js'
import { helmBinary } from '../support/helm-tools.js'

export const CHART = join(repoRoot, 'examples', 'model-repo', 'chart')
export const REPOSITORY = 'registry.local/acme/model'

/** A digest per letter: `digest('a')` is sha256:aaaa…; images are REPOSITORY@digest. */
export const digest = (letter: string) => `sha256:${letter.repeat(64)}`
export const imageOf = (letter: string) => `${REPOSITORY}@${digest(letter)}`

export function helmActions(version: HelmMajor, sim: () => K8sSimulator) {
  const kubeconfig = () => readFileSync(sim().kubeconfigPath, 'utf8')
  const common = () => ({
    'helm-path': helmBinary(version),
    kubeconfig: kubeconfig(),
    'github-token': ''
  })
  return {
    deploy: (
      inputs: Record<string, string>,
      env: Record<string, string> = {}
    ): Promise<ActionRun> =>
      runActionBundle('deploy-helm', {
        inputs: {
          chart: CHART,
          release: 'app',
          'create-namespace': 'true',
          timeout: '20s',
          ...common(),
          ...inputs
        },
        env
      }),
    rollback: (
      inputs: Record<string, string>,
      env: Record<string, string> = {}
    ): Promise<ActionRun> =>
      runActionBundle('rollback', {
        inputs: { release: 'app', timeout: '20s', ...common(), ...inputs },
        env
      })
  }
}

/** The image the live Deployment runs. */
export function liveImage(sim: K8sSimulator, namespace: string, name: string): string | undefined {
  const deployment = sim.get('apps/v1', 'Deployment', namespace, name)
  return (
    deployment?.spec as { template: { spec: { containers: Array<{ image: string }> } } } | undefined
  )?.template.spec.containers[0]?.image
}

export function statuses(sim: K8sSimulator, namespace: string, release: string): string[] {
  return sim.releases(namespace, release).map(r => `${r.revision}:${r.status}`)
}

/** Fails with the action's log when it did not succeed, so a red test says why. */
export function expectSuccess(run: ActionRun): ActionRun {
  if (run.exitCode !== 0)
    throw new Error(
      `the action failed (exit ${run.exitCode}):\n${run.errors.join('\n')}\n${run.stdout}\n${run.stderr}`
    )
  return run
}
