/**
 * The cluster the end-to-end suite deploys to: the Kubernetes API simulator by default, or a real
 * cluster when MLOPS_E2E_KUBE_CONTEXT names a kubectl context (e2e.yml sets it to a kind cluster
 * on GitHub's runners). The same tests run against both.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCommand } from '../../src/lib/command.js'
import { startK8sSimulator, type K8sSimulator } from '../k8s-sim/simulator.js'

export interface TestCluster {
  kind: 'simulator' | 'real'
  kubeconfigPath: string
  /** An image that runs, pinned by digest. */
  image: { repository: string; digest: string }
  /** An image whose pods never become ready (its pull fails). */
  brokenImage: { repository: string; digest: string }
  stop(): Promise<void>
}

const BROKEN = { repository: 'registry.invalid/never-pulls', digest: `sha256:${'0'.repeat(64)}` }

export async function openCluster(): Promise<TestCluster> {
  const context = process.env.MLOPS_E2E_KUBE_CONTEXT
  if (!context) {
    const sim: K8sSimulator = await startK8sSimulator({ rolloutDelayMs: 100 })
    sim.markImageBroken(`${BROKEN.repository}@*`, 'ErrImagePull')
    return {
      kind: 'simulator',
      kubeconfigPath: sim.kubeconfigPath,
      image: { repository: 'registry.k8s.io/pause', digest: `sha256:${'1'.repeat(64)}` },
      brokenImage: BROKEN,
      stop: () => sim.stop()
    }
  }
  // A real cluster: its kubeconfig (that context only), and a real image by its real digest.
  const { stdout } = await runCommand('kubectl', [
    'config',
    'view',
    '--raw',
    '--minify',
    '--context',
    context
  ])
  const dir = mkdtempSync(join(tmpdir(), 'e2e-cluster-'))
  const kubeconfigPath = join(dir, 'kubeconfig')
  writeFileSync(kubeconfigPath, stdout, { mode: 0o600 })
  const image = process.env.MLOPS_E2E_IMAGE ?? ''
  const [repository = '', digest = ''] = image.split('@')
  if (!repository || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new Error(
      `MLOPS_E2E_IMAGE must name an image by digest (repository@sha256:...), got "${image}"`
    )
  }
  return {
    kind: 'real',
    kubeconfigPath,
    image: { repository, digest },
    brokenImage: BROKEN,
    stop: async () => undefined
  }
}
