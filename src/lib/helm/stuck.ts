import { formatDuration, formatElapsed } from '../duration.js'
import { UserError } from '../errors.js'
import type { Log } from '../log.js'
import type { Helm } from './helm-cli.js'
import { helmDuration, waitFlags } from './flags.js'
import type { RecordEditor } from './release-record.js'
import { markRevisionFailed } from './release-record.js'
import type { Revision } from './release-history.js'
import { isPending, latest, readHistory, wasDeployed } from './release-history.js'

export interface StuckCheck {
  release: string
  namespace: string
  /** How long a Helm operation on this release may run (the deploy's timeout). */
  timeoutMs: number
  wait: boolean
}

export interface Recovery {
  revision: number
  status: string
  /** What was judged, in words: the age of the pending revision against the timeout. */
  judged: string
  action: 'rolled-back' | 'uninstalled'
  /** The revision rolled back to. */
  toRevision?: number
  markedFailed: boolean
}

export interface RecoveryDeps {
  helm: Helm
  log: Log
  clock: () => Date
  records: RecordEditor
}

/**
 * Helm refuses to touch a release whose latest revision is `pending-*` ("another operation is in
 * progress"). That is right while the operation runs and wrong for ever after a job was killed
 * mid-way. A pending revision older than the timeout any Helm operation on it was given cannot
 * belong to a running operation: it is recovered by rolling back to the last deployed revision,
 * or, for an install that never deployed, by uninstalling. A younger one is left alone.
 */
export async function recoverStuckRelease(
  check: StuckCheck,
  history: readonly Revision[],
  deps: RecoveryDeps
): Promise<Recovery | undefined> {
  const stuck = latest(history)
  if (!stuck || !isPending(stuck.status)) return undefined
  const ageMs = deps.clock().getTime() - stuck.updated.getTime()
  const facts = `${check.release} revision ${stuck.revision} is ${stuck.status} since ${stuck.updated.toISOString()} (${formatElapsed(Math.max(ageMs, 0))} ago); the timeout is ${formatDuration(check.timeoutMs)}`
  if (ageMs <= check.timeoutMs) {
    throw new UserError(
      `${facts}, so a Helm operation may still be running on it. Nothing was changed. If no other job is deploying ${check.release}, run again after ${new Date(stuck.updated.getTime() + check.timeoutMs).toISOString()}.`
    )
  }
  const judged = `${facts}: older than the timeout, so no Helm operation is still running on it.`
  deps.log.warning(`Stuck release: ${judged}`)
  const lastDeployed = [...history]
    .reverse()
    .find(r => r.revision < stuck.revision && wasDeployed(r.status))
  const { helm } = deps
  const version = await helm.version()
  if (!lastDeployed) {
    deps.log.info(
      `${check.release} never deployed: uninstalling the pending install so the deploy can start afresh.`
    )
    await helm.run([
      'uninstall',
      check.release,
      '--namespace',
      check.namespace,
      '--timeout',
      helmDuration(check.timeoutMs)
    ])
    return {
      revision: stuck.revision,
      status: stuck.status,
      judged,
      action: 'uninstalled',
      markedFailed: false
    }
  }
  deps.log.info(
    `Rolling ${check.release} back to revision ${lastDeployed.revision}, its last deployed revision.`
  )
  await helm.run([
    'rollback',
    check.release,
    String(lastDeployed.revision),
    '--namespace',
    check.namespace,
    ...waitFlags(version, check.wait),
    '--timeout',
    helmDuration(check.timeoutMs)
  ])
  const markedFailed = await markRevisionFailed(
    deps.records,
    check.release,
    check.namespace,
    stuck.revision,
    `${stuck.status} abandoned; marked failed by mlops-actions after rolling back to ${lastDeployed.revision}`
  )
  return {
    revision: stuck.revision,
    status: stuck.status,
    judged,
    action: 'rolled-back',
    toRevision: lastDeployed.revision,
    markedFailed
  }
}

/** Reads the history and recovers a stuck release; returns the history as it is afterwards. */
export async function historyReadyForDeploy(
  check: StuckCheck,
  deps: RecoveryDeps,
  history?: Revision[]
): Promise<{ history: Revision[]; recovery?: Recovery }> {
  const before = history ?? (await readHistory(deps.helm, check.release, check.namespace))
  const recovery = await recoverStuckRelease(check, before, deps)
  if (!recovery) return { history: before }
  return { history: await readHistory(deps.helm, check.release, check.namespace), recovery }
}
