import { join } from 'node:path'
import type { AuditFields, AuditRecord } from '../../lib/audit.js'
import { appendAuditFile, auditRecord } from '../../lib/audit.js'
import { runCommand } from '../../lib/command.js'
import { errorMessage } from '../../lib/errors.js'
import { createGitHubClient } from '../../lib/github/client.js'
import {
  bestEffort,
  findLiveDeployment,
  setDeploymentState,
  startDeployment,
  startPayload
} from '../../lib/github/deployments.js'
import { createHelmDeps } from '../../lib/helm/deploy.js'
import { helmEnvironment } from '../../lib/helm/kubeconfig.js'
import { writeStepKubeconfig } from '../common/kubeconfig-step.js'
import { readHistory } from '../../lib/helm/release-history.js'
import type { RollbackPlan, RollbackResult } from '../../lib/helm/rollback.js'
import { applyRollback, planRollback } from '../../lib/helm/rollback.js'
import { rollbackSummary } from '../../lib/helm/summary.js'
import type { RunnerContext } from '../../lib/runner-context.js'
import { readRunnerContext } from '../../lib/runner-context.js'
import { actionLog, setOutputs, writeSummary } from '../common/runtime.js'
import type { RollbackInputs } from './inputs.js'
import { getInputs } from './inputs.js'

export async function run(): Promise<void> {
  const started = new Date()
  const inputs = getInputs()
  const context = readRunnerContext()
  let kubeconfigPath: string | undefined
  if (inputs.kubeconfig) {
    kubeconfigPath = await writeStepKubeconfig(context.runnerTemp, inputs.kubeconfig)
  }
  const env = helmEnvironment(process.env, kubeconfigPath)
  const deps = createHelmDeps({
    helmPath: inputs.helmPath,
    env,
    runner: runCommand,
    log: actionLog,
    ...(context.runnerTemp
      ? { versionCacheFile: join(context.runnerTemp, 'mlops-helm-versions.json') }
      : {})
  })
  const { helm } = deps
  const request = {
    release: inputs.release,
    namespace: inputs.namespace,
    target: inputs.target,
    reason: inputs.reason,
    wait: inputs.wait,
    timeoutMs: inputs.timeoutMs,
    dryRun: inputs.dryRun,
    imageValues: inputs.imageValues
  }
  const [, history] = await Promise.all([
    helm.version(),
    readHistory(helm, inputs.release, inputs.namespace)
  ])
  const plan = await planRollback(request, deps, history)
  actionLog.info(
    `Rollback of ${inputs.release}: from revision ${plan.from.revision} to ${plan.to.revision}. ${plan.why}`
  )

  const changes = !plan.noOp && !inputs.dryRun
  const fields = auditFields(inputs, context, plan)
  const github = changes
    ? await openRollbackDeployment(
        inputs,
        context,
        auditRecord({ ...fields, outcome: 'success' }, started, started)
      )
    : undefined
  let result: RollbackResult
  try {
    result = await applyRollback(plan, request, deps)
  } catch (error) {
    const record = auditRecord(
      {
        ...fields,
        outcome: 'failure',
        reason: `${fields.reason ?? ''} (failed: ${errorMessage(error).split('\n')[0]})`
      },
      started,
      new Date()
    )
    await github?.finish(false, errorMessage(error))
    setOutputs({
      'from-revision': plan.from.revision,
      'to-revision': plan.to.revision,
      'new-revision': '',
      'rolled-back': false,
      audit: record
    })
    if (inputs.auditFile) await appendAuditFile(inputs.auditFile, record)
    throw error
  }
  const record = auditRecord(
    {
      ...fields,
      outcome: result.rolledBack ? 'success' : result.noOp ? 'no-op' : 'dry-run',
      revision: result.newRevision ?? plan.from.revision
    },
    started,
    new Date()
  )
  await github?.finish(
    true,
    `Rolled back to revision ${plan.to.revision}${inputs.reason ? `: ${inputs.reason}` : ''}`
  )
  setOutputs({
    'from-revision': plan.from.revision,
    'to-revision': plan.to.revision,
    'new-revision': result.newRevision ?? '',
    'rolled-back': result.rolledBack,
    audit: record
  })
  if (inputs.auditFile) await appendAuditFile(inputs.auditFile, record)
  await writeSummary(rollbackSummary(result, record, inputs.dryRun))
}

function auditFields(
  inputs: RollbackInputs,
  context: RunnerContext,
  plan: RollbackPlan
): AuditFields {
  return {
    action: 'rollback',
    environment: inputs.environment,
    release: inputs.release,
    namespace: inputs.namespace,
    version: plan.to.version ?? null,
    commit: context.sha || null,
    image: plan.to.image ?? null,
    digest: plan.to.digest ?? null,
    chartVersion: plan.to.chartVersion || null,
    previousRevision: plan.from.revision,
    strategy: plan.blueGreen ? 'blue-green' : null,
    actor: context.actor || null,
    runUrl: context.runUrl || null,
    reason: inputs.reason || `rollback to ${inputs.targetText}`,
    outcome: 'success'
  }
}

/**
 * The GitHub side of a rollback, all best effort (a rollback under pressure must not wait on
 * GitHub): a new deployment records the restored release; at the end the one that was live is
 * marked `failure` and the new one `success` (which makes GitHub mark older ones inactive).
 */
async function openRollbackDeployment(
  inputs: RollbackInputs,
  context: RunnerContext,
  record: AuditRecord
): Promise<{ finish(ok: boolean, description: string): Promise<void> } | undefined> {
  if (!inputs.environment || !inputs.githubToken) return undefined
  const github = await createGitHubClient({
    token: inputs.githubToken,
    baseUrl: context.apiUrl,
    log: actionLog
  })
  const repository = { owner: context.owner, repo: context.repo }
  const target = { ...repository, logUrl: context.runUrl, environmentUrl: inputs.environmentUrl }
  const bad = await bestEffort(actionLog, 'find the live GitHub deployment', () =>
    findLiveDeployment(github, repository, inputs.environment, inputs.release)
  )
  const id = await bestEffort(actionLog, 'create the GitHub deployment for the rollback', () =>
    startDeployment(github, {
      ...target,
      ref: context.sha,
      environment: inputs.environment,
      task: 'deploy:rollback',
      description: `rollback ${inputs.release}: ${inputs.reason || inputs.targetText}`,
      payload: startPayload(record)
    })
  )
  return {
    finish: async (ok, description) => {
      if (ok && bad !== undefined) {
        await bestEffort(actionLog, `mark GitHub deployment ${bad} failed`, () =>
          setDeploymentState(
            github,
            target,
            bad,
            'failure',
            `Rolled back by ${context.actor || 'a maintainer'}: ${inputs.reason || inputs.targetText}`
          )
        )
      }
      if (id !== undefined) {
        await bestEffort(actionLog, `set GitHub deployment ${id}`, () =>
          setDeploymentState(github, target, id, ok ? 'success' : 'failure', description)
        )
      }
    }
  }
}
