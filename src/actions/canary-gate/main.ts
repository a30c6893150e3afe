import * as core from '@actions/core'
import { runAnalysis } from '../../lib/canary/analysis.js'
import { canarySummary, describeIteration } from '../../lib/canary/summary.js'
import { UserError } from '../../lib/errors.js'
import { PrometheusClient } from '../../lib/prometheus/client.js'
import { actionLog, setOutputs, writeSummary } from '../common/runtime.js'
import { getInputs } from './inputs.js'

export async function run(): Promise<void> {
  const inputs = await getInputs()
  core.info(
    `Analysing ${inputs.canarySelector} against ${inputs.baselineSelector}: ${inputs.metrics.map(m => m.name).join(', ') || 'no metrics'}, ${inputs.iterations} iteration(s) every ${inputs.intervalMs / 1000} s`
  )
  const result = await runAnalysis({
    prometheus: new PrometheusClient({
      url: inputs.prometheusUrl,
      token: inputs.prometheusToken || undefined
    }),
    metrics: inputs.metrics,
    canarySelector: inputs.canarySelector,
    baselineSelector: inputs.baselineSelector,
    intervalMs: inputs.intervalMs,
    iterations: inputs.iterations,
    failureLimit: inputs.failureLimit,
    consecutiveErrorLimit: inputs.consecutiveErrorLimit,
    warmupMs: inputs.warmupMs,
    onNoData: inputs.onNoData,
    alerts: inputs.alerts,
    onIteration: (iteration, { iterations }) =>
      actionLog.info(describeIteration(iteration, iterations))
  })
  setOutputs({ verdict: result.verdict, score: result.score, report: result.report })
  await writeSummary(canarySummary(result))
  if (result.verdict !== 'pass')
    throw new UserError(`Canary verdict: ${result.verdict}. ${result.reason}`)
  core.info(`Canary verdict: pass (score ${result.score}). ${result.reason}`)
}
