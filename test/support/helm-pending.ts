import { spawn } from 'node:child_process'
import type { K8sSimulator } from '../k8s-sim/simulator.js'
import type { HelmMajor } from './helm-tools.js'
import { helmBinary, toolEnv } from './helm-tools.js'

export type PendingStatus = 'pending-install' | 'pending-upgrade' | 'pending-rollback'

export interface LeavePendingOptions {
  sim: K8sSimulator
  helm: HelmMajor
  release: string
  namespace: string
  /** Chart path or reference (not needed for rollback). */
  chart?: string
  /** More helm arguments, e.g. `['--set', 'image=app:2']`, or the revision for a rollback. */
  args?: readonly string[]
  /** Defaults to the simulator's own kubeconfig. */
  kubeconfig?: string
}

const COMMANDS: Record<PendingStatus, 'install' | 'upgrade' | 'rollback'> = {
  'pending-install': 'install',
  'pending-upgrade': 'upgrade',
  'pending-rollback': 'rollback'
}

/**
 * Leaves a release stuck the way a killed CI job leaves it: Helm has written its new revision as
 * `pending-…` and changed the objects, then dies before recording the outcome. The simulator
 * holds back Helm's first update of a release record (the moment the objects are written), the
 * helm process is killed with SIGKILL there, and the held request is dropped unserved.
 * Returns the revision left pending.
 */
export async function leaveReleasePending(
  status: PendingStatus,
  options: LeavePendingOptions
): Promise<number> {
  const { sim, release, namespace } = options
  const command = COMMANDS[status]
  const recordPath = `/namespaces/${namespace}/secrets/sh.helm.release.v1.${release}.v`
  const fault = sim.injectFault({
    method: 'PUT',
    pathPattern: recordPath,
    slowMs: 10 * 60 * 1000,
    drop: true,
    count: 1
  })
  const args = [
    command,
    release,
    ...(command === 'rollback' ? [] : [options.chart ?? '']),
    '--namespace',
    namespace,
    ...(options.args ?? [])
  ]
  const waiting = new AbortController()
  const held = sim.waitForRequest(r => r.method === 'PUT' && r.path.includes(recordPath), {
    timeoutMs: 60000,
    signal: waiting.signal
  })
  held.catch(() => undefined)
  const child = spawn(helmBinary(options.helm), args, {
    env: toolEnv(options.kubeconfig ?? sim.kubeconfigPath),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)))
  try {
    const outcome = await Promise.race([
      held.then(() => 'held' as const),
      exited.then(() => 'exited' as const)
    ])
    if (outcome === 'exited')
      throw new Error(`helm ${command} ended before it could be interrupted:\n${output}`)
    child.kill('SIGKILL')
    await exited
  } finally {
    waiting.abort()
    sim.removeFault(fault)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  const latest = sim.releases(namespace, release).at(-1)
  if (!latest || latest.status !== status) {
    throw new Error(
      `expected the latest revision of ${release} to be ${status}, found ${latest?.status ?? 'no release'}:\n${output}`
    )
  }
  return latest.revision
}

/** The common case for the deploy-helm tests: an upgrade killed mid-way. */
export function leaveReleasePendingUpgrade(options: LeavePendingOptions): Promise<number> {
  return leaveReleasePending('pending-upgrade', options)
}
