import * as core from '@actions/core'
import { appendAuditFile, auditRecord } from '../../lib/audit.js'
import { errorMessage } from '../../lib/errors.js'
import { createGitHubClient } from '../../lib/github/client.js'
import { setDeploymentState } from '../../lib/github/deployments.js'
import { abortCanary, createHelmDeps } from '../../lib/helm/deploy.js'
import { helmEnvironment } from '../../lib/helm/kubeconfig.js'
import { runCommand } from '../../lib/command.js'
import { readRunnerContext } from '../../lib/runner-context.js'
import { actionLog, setOutputs, writeSummary } from '../common/runtime.js'
import { auditFields, deployRequest } from '../deploy-helm/main.js'
import { getInputs } from './inputs.js'

/**
 * A progressive canary that is cancelled or times out mid-analysis would keep serving its share
 * of production traffic, un-judged, with the GitHub Deployment left in_progress and no audit
 * record. So the main step records "canary in flight" in its state before the canary goes out
 * and clears it once the rollout has ended either way; the post step, which the runner runs
 * also on cancellation (post-if: always()), finds it still set and finishes the job: removes
 * the canary, marks the Deployment failed and writes the audit record, outcome rolled-back,
 * reason "cancelled".
 */
const CANARY_STATE = 'canary-in-flight'

export interface CanaryInFlight {
  stableRevision: number
  started: string
  deploymentId: number | null
}

export function markCanaryInFlight(flight: CanaryInFlight | undefined): void {
  core.saveState(CANARY_STATE, flight ? JSON.stringify(flight) : '')
}

/** The post step's part: only when the main step ended with a canary still in flight. */
export async function cleanUpCancelledCanary(kubeconfigPath: string | undefined): Promise<void> {
  const saved = core.getState(CANARY_STATE)
  if (!saved) return
  const flight = JSON.parse(saved) as CanaryInFlight
  const { deploy } = await getInputs()
  const context = readRunnerContext()
  const reason = 'cancelled'
  core.warning(
    `The deploy of ${deploy.release} ${deploy.version} ended with its canary in flight (cancelled or timed out): removing the canary; ${deploy.release} revision ${flight.stableRevision} serves all traffic.`
  )
  const deps = createHelmDeps({
    helmPath: deploy.helmPath,
    env: helmEnvironment(process.env, kubeconfigPath),
    runner: runCommand,
    log: actionLog
  })
  await abortCanary(deployRequest(deploy, context), deps).catch(error =>
    core.warning(
      `Could not remove the canary: ${errorMessage(error)}. Remove it with action: abort.`
    )
  )
  const record = auditRecord(
    {
      ...(await auditFields(deploy, context)),
      strategy: 'canary',
      action: 'rollback',
      outcome: 'rolled-back',
      revision: flight.stableRevision,
      previousRevision: flight.stableRevision,
      reason
    },
    new Date(flight.started),
    new Date()
  )
  if (flight.deploymentId !== null && deploy.githubToken) {
    const github = await createGitHubClient({
      token: deploy.githubToken,
      baseUrl: context.apiUrl,
      log: actionLog
    })
    await setDeploymentState(
      github,
      {
        owner: context.owner,
        repo: context.repo,
        logUrl: context.runUrl,
        environmentUrl: deploy.environmentUrl
      },
      flight.deploymentId,
      'failure',
      'cancelled: the canary was removed',
      true
    ).catch(error =>
      core.warning(
        `Could not mark GitHub deployment ${flight.deploymentId} failed: ${errorMessage(error)}`
      )
    )
  }
  if (deploy.auditFile) await appendAuditFile(deploy.auditFile, record)
  setOutputs({ status: 'rolled-back', audit: record })
  await writeSummary(
    `## Canary removed after cancellation\n\nThe deploy of ${deploy.release} ${deploy.version} was cancelled (or timed out) while its canary was being judged. The canary was removed; revision ${flight.stableRevision} serves all traffic. Audit outcome: rolled-back, reason: cancelled.\n`
  )
}
