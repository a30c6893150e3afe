import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import {
  parseAlertNames,
  parseMetricSpecs,
  type MetricSpec,
  type NoDataPolicy
} from '../../lib/canary/index.js'
import { InputError } from '../../lib/errors.js'
import { isLocalRegistry } from '../../lib/oci/reference.js'
import type { InputReader } from '../../lib/inputs.js'
import { PROMQL_SELECTOR, SELECTOR_ACCEPTED } from '../../lib/prometheus/promql.js'
import { parsePrometheusUrl } from '../../lib/prometheus/client.js'
import { readRunnerContext } from '../../lib/runner-context.js'
import { defaultMetricSpecs } from '../../lib/canary/default-metrics.js'
import { actionInputs } from '../common/runtime.js'

export interface CanaryGateInputs {
  prometheusUrl: URL
  prometheusToken: string
  metrics: MetricSpec[]
  canarySelector: string
  baselineSelector: string
  intervalMs: number
  iterations: number
  failureLimit: number
  consecutiveErrorLimit: number
  /** How long the first look may wait for data; two intervals unless given. */
  warmupMs: number
  onNoData: NoDataPolicy
  alerts: string[]
}

/** Every input is read and validated here, before Prometheus is asked anything. */
export function getInputs(): Promise<CanaryGateInputs> {
  return readCanaryGateInputs(actionInputs())
}

/** The gate's inputs; the front door reads the same ones with the same rules. */
export async function readCanaryGateInputs(inputs: InputReader): Promise<CanaryGateInputs> {
  const prometheusUrl = parsePrometheusUrl(
    inputs.string('prometheus-url', { required: true }),
    'prometheus-url'
  )
  const iterations = inputs.int('iterations', 5, { min: 1, max: 1000 })
  const intervalMs = inputs.duration('interval', '60s', { minMs: 1000, maxMs: 3_600_000 })
  const alerts = parseAlertNames(inputs.list('alerts'), 'alerts')
  const prometheusToken = inputs.secret('prometheus-token')
  // One rule for every credential of the suite: never in clear text to a non-local host.
  if (prometheusToken && prometheusUrl.protocol === 'http:' && !isLocalRegistry(prometheusUrl.host))
    throw new InputError(
      'prometheus-token',
      '(a token)',
      `empty, or a prometheus-url over https:// (a token never travels in clear text to a non-local host such as ${prometheusUrl.host}; http:// with a token only for localhost, 127.0.0.0/8, *.local or a bare service name)`
    )
  return {
    prometheusUrl,
    prometheusToken,
    metrics: await readMetrics(
      inputs.raw('metrics'),
      inputs.raw('metrics-file'),
      alerts.length > 0
    ),
    canarySelector: inputs.matching(
      'canary-selector',
      PROMQL_SELECTOR,
      SELECTOR_ACCEPTED,
      'track="canary"'
    ),
    baselineSelector: inputs.matching(
      'baseline-selector',
      PROMQL_SELECTOR,
      SELECTOR_ACCEPTED,
      'track="stable"'
    ),
    intervalMs,
    iterations,
    failureLimit: inputs.int('failure-limit', 0, { min: 0, max: iterations }),
    consecutiveErrorLimit: inputs.int('consecutive-error-limit', 4, { min: 0, max: 1000 }),
    warmupMs: inputs.duration('warmup', `${2 * intervalMs}ms`, { minMs: 0, maxMs: 7_200_000 }),
    onNoData: inputs.oneOf('on-no-data', ['fail', 'inconclusive', 'pass'] as const, 'fail'),
    alerts
  }
}

/**
 * The metrics list, from `metrics` or `metrics-file`; a gate may watch alerts alone; with none
 * of the three, the default set for the documented chart conventions (default-metrics.ts).
 */
async function readMetrics(
  inline: string,
  file: string,
  hasAlerts: boolean
): Promise<MetricSpec[]> {
  if (inline && file)
    throw new InputError('metrics-file', file, 'empty when metrics is given (give one of them)')
  if (!inline && !file) return hasAlerts ? [] : defaultMetricSpecs()
  const { parse } = await import('yaml')
  const name = inline ? 'metrics' : 'metrics-file'
  let text = inline
  if (file) {
    const path = isAbsolute(file) ? file : resolve(readRunnerContext().workspace, file)
    text = await readFile(path, 'utf8').catch(() => {
      throw new InputError('metrics-file', file, 'a readable file in the workspace')
    })
  }
  let value: unknown
  try {
    value = parse(text)
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)
    throw new InputError(name, inline ? text : file, `a valid YAML list of metrics (${reason})`)
  }
  return parseMetricSpecs(value, name)
}
