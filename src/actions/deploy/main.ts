import { appendAuditFile, auditRecord, type AuditRecord } from '../../lib/audit.js'
import { runAnalysis, type AnalysisResult } from '../../lib/canary/analysis.js'
import { describeIteration } from '../../lib/canary/summary.js'
import { errorMessage, UserError } from '../../lib/errors.js'
import { abortCanary, deployCanary, promoteCanary, type HelmDeps } from '../../lib/helm/deploy.js'
import { readHistory } from '../../lib/helm/release-history.js'
import { PrometheusClient } from '../../lib/prometheus/client.js'
import { readRunnerContext, type RunnerContext } from '../../lib/runner-context.js'
import { actionLog, setOutputs, writeSummary } from '../common/runtime.js'
import type { CanaryGateInputs } from '../canary-gate/inputs.js'
import {
  auditFields,
  deployRequest,
  deployWithHelm,
  openDeployment,
  prepareHelm,
  reportFailure,
  type OpenDeployment
} from '../deploy-helm/main.js'
import { getInputs, type DeployInputs } from './inputs.js'
import { markCanaryInFlight } from './cancelled-canary.js'
import { progressiveSummary, type StepReport } from './summary.js'

/**
 * The front door. A progressive canary (strategy canary, action deploy) is run here: the
 * canary release at each step weight, the canary gate after each step, then promotion; a gate
 * that does not pass removes the canary, records the rollback and fails. Everything else is
 * deploy-helm's step as it is.
 */
export async function run(): Promise<void> {
  const started = new Date()
  const inputs = await getInputs()
  if (!inputs.gate) return deployWithHelm(inputs.deploy, started)

  const context = readRunnerContext()
  const deps = await prepareHelm(inputs.deploy, context)
  const history = await readHistory(deps.helm, inputs.deploy.release, inputs.deploy.namespace)
  const stable = [...history].reverse().find(revision => revision.status === 'deployed')
  if (!stable) {
    actionLog.info(
      `${inputs.deploy.release} has no deployed revision in ${inputs.deploy.namespace}: there is no stable version to compare a canary with, so this first release is deployed directly.`
    )
    return deployWithHelm({ ...inputs.deploy, strategy: 'direct' }, started, deps)
  }
  await progressiveCanary(inputs as Required<DeployInputs>, context, deps, started, stable.revision)
}

async function progressiveCanary(
  inputs: Required<DeployInputs>,
  context: RunnerContext,
  deps: HelmDeps,
  started: Date,
  stableRevision: number
): Promise<void> {
  const { deploy } = inputs
  const fields = { ...(await auditFields(deploy, context)), strategy: 'canary' }
  const github = await openDeployment(
    deploy,
    context,
    auditRecord({ ...fields, outcome: 'success' }, started, started),
    // One deployment for the whole rollout: it ends as stable, so it replaces the previous one.
    { task: 'deploy:progressive-canary', autoInactive: true }
  )
  // Until the rollout ends either way, a cancelled step leaves this for the post step to finish.
  markCanaryInFlight({
    stableRevision,
    started: started.toISOString(),
    deploymentId: github?.id ?? null
  })
  try {
    await rollOut(inputs, context, deps, started, stableRevision, fields, github)
  } finally {
    markCanaryInFlight(undefined)
  }
}

async function rollOut(
  inputs: Required<DeployInputs>,
  context: RunnerContext,
  deps: HelmDeps,
  started: Date,
  stableRevision: number,
  fields: Awaited<ReturnType<typeof auditFields>>,
  github: OpenDeployment | undefined
): Promise<void> {
  const { deploy, gate, stepWeights } = inputs
  const request = deployRequest(deploy, context)
  const steps: StepReport[] = []
  let analysis: AnalysisResult | undefined
  try {
    for (const [index, weight] of stepWeights.entries()) {
      const step = `Step ${index + 1}/${stepWeights.length}`
      actionLog.info(`${step}: canary ${deploy.release}-canary at ${weight}% of the traffic`)
      await deployCanary({ ...request, weight }, deps)
      analysis = await analyse(gate, step)
      steps.push({
        weight,
        verdict: analysis.verdict,
        score: analysis.score,
        reason: analysis.reason
      })
      actionLog.info(`${step}: canary verdict ${analysis.verdict} (score ${analysis.score})`)
      if (analysis.verdict !== 'pass') break
    }
  } catch (error) {
    // Helm could not roll the canary out (or Prometheus setup failed): remove it, report, fail.
    await removeCanary(request, deps)
    await reportFailure(deploy, fields, started, error, github, deps)
    throw error
  }

  if (!analysis || analysis.verdict !== 'pass') {
    await rollBack(inputs, fields, steps, analysis, github, deps, started, stableRevision)
    return
  }

  let record: AuditRecord
  let deploymentId: number | undefined
  try {
    actionLog.info(`Promoting: ${deploy.release} takes the canary's image; the canary goes.`)
    const outcome = await promoteCanary(request, deps)
    const primary = outcome.primary
    record = auditRecord(
      {
        ...fields,
        action: 'promote',
        outcome: 'success',
        revision: primary?.revision ?? null,
        previousRevision: primary?.previousRevision ?? stableRevision,
        canary: { verdict: analysis.verdict, score: analysis.score },
        ...(primary?.chartVersion ? { chartVersion: primary.chartVersion } : {})
      },
      started,
      new Date()
    )
    deploymentId = github
      ? await github.finish('success', `promoted after ${steps.length} canary steps`)
      : undefined
    setOutputs({
      revision: primary?.revision ?? '',
      'previous-revision': primary?.previousRevision ?? stableRevision,
      status: primary?.status ?? 'deployed',
      'deployment-id': deploymentId ?? '',
      'helm-version': outcome.helmVersion.text,
      audit: record,
      verdict: analysis.verdict,
      score: analysis.score,
      report: { steps, last: analysis.report }
    })
  } catch (error) {
    await removeCanary(request, deps)
    await reportFailure(deploy, fields, started, error, github, deps)
    throw error
  }
  if (deploy.auditFile) await appendAuditFile(deploy.auditFile, record)
  await writeSummary(progressiveSummary({ record, steps, analysis, deploymentId }))
}

/** One canary analysis with the gate's settings, logging each iteration. */
function analyse(gate: CanaryGateInputs, step: string): Promise<AnalysisResult> {
  return runAnalysis({
    prometheus: new PrometheusClient({
      url: gate.prometheusUrl,
      token: gate.prometheusToken || undefined
    }),
    metrics: gate.metrics,
    canarySelector: gate.canarySelector,
    baselineSelector: gate.baselineSelector,
    intervalMs: gate.intervalMs,
    iterations: gate.iterations,
    failureLimit: gate.failureLimit,
    consecutiveErrorLimit: gate.consecutiveErrorLimit,
    warmupMs: gate.warmupMs,
    onNoData: gate.onNoData,
    alerts: gate.alerts,
    onIteration: (iteration, { iterations }) =>
      actionLog.info(`${step}: ${describeIteration(iteration, iterations)}`)
  })
}

/**
 * A gate that did not pass: the canary is removed, so the stable release (never touched during
 * the canary) serves everything again; the rollback is recorded with the gate's reason.
 */
async function rollBack(
  inputs: Required<DeployInputs>,
  fields: Awaited<ReturnType<typeof auditFields>>,
  steps: StepReport[],
  analysis: AnalysisResult | undefined,
  github: OpenDeployment | undefined,
  deps: HelmDeps,
  started: Date,
  stableRevision: number
): Promise<void> {
  const { deploy, stepWeights } = inputs
  const verdict = analysis?.verdict ?? 'fail'
  const step = steps.length
  const why = (analysis?.reason ?? 'no analysis').replace(/\.+$/, '')
  const reason = `canary ${verdict} at step ${step}/${stepWeights.length} (${stepWeights[step - 1]}% of the traffic): ${why}`
  actionLog.info(`Rolling back: ${reason}`)
  await removeCanary(deployRequest(deploy, readRunnerContext()), deps)
  const record = auditRecord(
    {
      ...fields,
      action: 'rollback',
      outcome: 'rolled-back',
      revision: stableRevision,
      previousRevision: stableRevision,
      canary: { verdict, score: analysis?.score ?? null },
      reason
    },
    started,
    new Date()
  )
  const deploymentId = github ? await github.finish('failure', reason.slice(0, 140)) : undefined
  const helmVersion = await deps.helm.version().catch(() => undefined)
  setOutputs({
    revision: stableRevision,
    'previous-revision': stableRevision,
    status: 'rolled-back',
    'deployment-id': deploymentId ?? '',
    'helm-version': helmVersion?.text ?? '',
    audit: record,
    verdict,
    score: analysis?.score ?? 0,
    report: { steps, last: analysis?.report ?? null }
  })
  if (deploy.auditFile) await appendAuditFile(deploy.auditFile, record)
  await writeSummary(progressiveSummary({ record, steps, analysis, deploymentId }))
  throw new UserError(
    `The canary of ${deploy.release} ${deploy.version} was rolled back: ${reason}. The canary was removed; ${deploy.release} revision ${stableRevision} serves all traffic.`
  )
}

async function removeCanary(
  request: ReturnType<typeof deployRequest>,
  deps: HelmDeps
): Promise<void> {
  await abortCanary(request, deps).catch(error =>
    actionLog.warning(
      `Could not remove the canary: ${errorMessage(error)}. Remove it with action: abort.`
    )
  )
}
