import { join } from 'node:path'
import type { AuditFields, AuditRecord } from '../../lib/audit.js'
import { appendAuditFile, auditRecord } from '../../lib/audit.js'
import { runCommand } from '../../lib/command.js'
import { commitTree } from '../../lib/git.js'
import { errorMessage } from '../../lib/errors.js'
import type { GitHubClient } from '../../lib/github/client.js'
import { createGitHubClient } from '../../lib/github/client.js'
import type { DeploymentState } from '../../lib/github/deployments.js'
import {
  bestEffort,
  setDeploymentState,
  startDeployment,
  startPayload
} from '../../lib/github/deployments.js'
import type { DeployOutcome, DeployRequest, HelmDeps } from '../../lib/helm/deploy.js'
import {
  abortCanary,
  createHelmDeps,
  deployBlueGreen,
  deployCanary,
  deployRelease,
  DeployError,
  promoteCanary
} from '../../lib/helm/deploy.js'
import { helmEnvironment } from '../../lib/helm/kubeconfig.js'
import { writeStepKubeconfig } from '../common/kubeconfig-step.js'
import { deployFailureSummary, deploySummary } from '../../lib/helm/summary.js'
import type { RunnerContext } from '../../lib/runner-context.js'
import { readRunnerContext } from '../../lib/runner-context.js'
import { actionLog, setOutputs, writeSummary } from '../common/runtime.js'
import type { DeployHelmInputs } from './inputs.js'
import { getInputs } from './inputs.js'

export async function run(): Promise<void> {
  await deployWithHelm(await getInputs(), new Date())
}

/** Helm set up for this step: the kubeconfig written (and saved for the post step), the deps. */
export async function prepareHelm(
  inputs: DeployHelmInputs,
  context: RunnerContext
): Promise<HelmDeps> {
  let kubeconfigPath: string | undefined
  if (inputs.kubeconfig) {
    kubeconfigPath = await writeStepKubeconfig(context.runnerTemp, inputs.kubeconfig)
  }
  return createHelmDeps({
    helmPath: inputs.helmPath,
    env: helmEnvironment(process.env, kubeconfigPath),
    runner: runCommand,
    log: actionLog,
    ...(context.runnerTemp
      ? { versionCacheFile: join(context.runnerTemp, 'mlops-helm-versions.json') }
      : {})
  })
}

/** deploy-helm's whole step; the front door runs it for everything but a progressive canary. */
export async function deployWithHelm(
  inputs: DeployHelmInputs,
  started: Date,
  prepared?: HelmDeps
): Promise<void> {
  const context = readRunnerContext()
  const deps = prepared ?? (await prepareHelm(inputs, context))
  const fields = await auditFields(inputs, context)
  const github = await openDeployment(
    inputs,
    context,
    auditRecord({ ...fields, outcome: 'success' }, started, started)
  )

  let outcome: DeployOutcome
  try {
    outcome = await perform(inputs, context, deps)
  } catch (error) {
    await reportFailure(inputs, fields, started, error, github, deps)
    throw error
  }
  const primary = outcome.primary
  const record = auditRecord(
    {
      ...fields,
      outcome: 'success',
      revision: primary?.revision ?? null,
      previousRevision: primary?.previousRevision ?? null,
      ...(primary?.image ? { image: primary.image.repository, digest: primary.image.digest } : {}),
      ...(primary?.chartVersion ? { chartVersion: primary.chartVersion } : {})
    },
    started,
    new Date()
  )
  const deploymentId = github ? await github.finish('success', describeOutcome(outcome)) : undefined
  setOutputs({
    revision: primary?.revision ?? '',
    'previous-revision': primary?.previousRevision ?? '',
    status: outcome.action === 'abort' ? 'uninstalled' : (primary?.status ?? 'unknown'),
    'deployment-id': deploymentId ?? '',
    'helm-version': outcome.helmVersion.text,
    audit: record
  })
  if (inputs.auditFile) await appendAuditFile(inputs.auditFile, record)
  await writeSummary(deploySummary(outcome, record, deploymentId))
}

export function deployRequest(inputs: DeployHelmInputs, context: RunnerContext): DeployRequest {
  return {
    release: inputs.release,
    namespace: inputs.namespace,
    chart: inputs.chart,
    chartVersion: inputs.chartVersion,
    valuesFiles: inputs.valuesFiles,
    inlineValues: inputs.values,
    ...(inputs.image ? { image: inputs.image } : {}),
    imageValues: inputs.imageValues,
    atomic: inputs.atomic,
    wait: inputs.wait,
    timeoutMs: inputs.timeoutMs,
    historyMax: inputs.historyMax,
    createNamespace: inputs.createNamespace,
    plainHttp: inputs.plainHttp,
    version: inputs.version,
    runId: context.runId,
    runUrl: context.runUrl,
    workDir: context.runnerTemp || context.workspace
  }
}

function perform(
  inputs: DeployHelmInputs,
  context: RunnerContext,
  deps: HelmDeps
): Promise<DeployOutcome> {
  const request = deployRequest(inputs, context)
  if (inputs.strategy === 'canary') {
    if (inputs.action === 'promote') return promoteCanary(request, deps)
    if (inputs.action === 'abort') return abortCanary(request, deps)
    return deployCanary({ ...request, weight: inputs.canaryWeight }, deps)
  }
  if (inputs.strategy === 'blue-green') return deployBlueGreen(request, deps)
  return deployRelease(request, deps)
}

export async function auditFields(
  inputs: DeployHelmInputs,
  context: RunnerContext
): Promise<AuditFields> {
  return {
    action: inputs.action,
    environment: inputs.environment,
    release: inputs.release,
    namespace: inputs.namespace,
    version: inputs.version || null,
    commit: context.sha || null,
    // The build-once key: promote.yml finds what staging tested by the tree of its commit.
    tree: await commitTree(context.workspace, context.sha),
    image: inputs.image?.repository ?? null,
    digest: inputs.image?.digest ?? null,
    chart: inputs.chart || null,
    chartVersion: inputs.chartVersion || null,
    strategy: inputs.strategy,
    actor: context.actor || null,
    runUrl: context.runUrl || null,
    outcome: 'success'
  }
}

function describeOutcome(outcome: DeployOutcome): string {
  const primary = outcome.primary
  if (outcome.action === 'abort')
    return `Canary aborted: ${outcome.removed.join(', ') || 'nothing to remove'}`
  return `${primary?.release} revision ${primary?.revision} ${primary?.status}${outcome.activeColor ? `, traffic on ${outcome.activeColor}` : ''}`
}

export interface OpenDeployment {
  id: number
  finish(state: DeploymentState, description: string): Promise<number>
}

/**
 * A GitHub Deployment for the environment, created before Helm runs: a token without
 * `deployments: write` fails here, before anything in the cluster changed. Its final status is
 * best effort, since the cluster has changed by then whatever GitHub answers.
 */
export async function openDeployment(
  inputs: DeployHelmInputs,
  context: RunnerContext,
  record: AuditRecord,
  /** The front door's progressive canary is one deployment that ends in a promotion. */
  override?: { task: string; autoInactive: boolean }
): Promise<OpenDeployment | undefined> {
  if (!inputs.environment || !inputs.githubToken) return undefined
  const github: GitHubClient = await createGitHubClient({
    token: inputs.githubToken,
    baseUrl: context.apiUrl,
    log: actionLog
  })
  const target = {
    owner: context.owner,
    repo: context.repo,
    logUrl: context.runUrl,
    environmentUrl: inputs.environmentUrl
  }
  const task =
    override?.task ??
    (inputs.action === 'deploy'
      ? inputs.strategy === 'canary'
        ? 'deploy:canary'
        : 'deploy'
      : `deploy:${inputs.action}`)
  const id = await startDeployment(github, {
    ...target,
    ref: context.sha,
    environment: inputs.environment,
    task,
    description: `${inputs.action} ${inputs.release}${inputs.version ? ` ${inputs.version}` : ''} (${inputs.strategy})`,
    payload: startPayload(record)
  })
  actionLog.info(`GitHub deployment ${id} for ${inputs.environment}: in_progress`)
  // A canary beside stable must not mark the stable deployment inactive.
  const autoInactive =
    override?.autoInactive ?? !(inputs.strategy === 'canary' && inputs.action !== 'promote')
  return {
    id,
    finish: async (state, description) => {
      await bestEffort(actionLog, `set GitHub deployment ${id} to ${state}`, () =>
        setDeploymentState(github, target, id, state, description, autoInactive)
      )
      return id
    }
  }
}

export async function reportFailure(
  inputs: DeployHelmInputs,
  fields: AuditFields,
  started: Date,
  error: unknown,
  github: OpenDeployment | undefined,
  deps: HelmDeps
): Promise<void> {
  const failed = error instanceof DeployError ? error : undefined
  const last = failed?.history.at(-1)
  const rolledBack = last?.status === 'deployed' && last.rollbackOf !== undefined
  const record = auditRecord(
    {
      ...fields,
      outcome: rolledBack ? 'rolled-back' : 'failure',
      revision: last?.revision ?? null,
      previousRevision: failed?.previousRevision ?? null,
      reason: errorMessage(error).split('\n')[0] ?? null
    },
    started,
    new Date()
  )
  const deploymentId = github ? await github.finish('failure', errorMessage(error)) : undefined
  const helmVersion = await deps.helm.version().catch(() => undefined)
  setOutputs({
    revision: last?.revision ?? '',
    'previous-revision': failed?.previousRevision ?? '',
    // A release left pending says so (the next run recovers it); anything else is a failed deploy,
    // even when Helm's atomic rollback left the previous version deployed.
    status: last?.status.startsWith('pending-') ? last.status : 'failed',
    'deployment-id': deploymentId ?? '',
    'helm-version': helmVersion?.text ?? '',
    audit: record
  })
  if (inputs.auditFile) await appendAuditFile(inputs.auditFile, record)
  await writeSummary(
    deployFailureSummary(failed?.release ?? inputs.release, errorMessage(error), record)
  )
}
