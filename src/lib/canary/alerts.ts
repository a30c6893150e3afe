import { InputError } from '../errors.js'
import type { InstantSample } from '../prometheus/client.js'
import { escapeRegex } from '../prometheus/promql.js'
import type { Reading } from './judge.js'
import type { Classification, FiringAlert } from './report.js'

/**
 * Alerts stop a canary the way CloudWatch alarms stop an AWS CodeDeploy deployment: any of the
 * named alerts firing, whatever its labels, fails the gate. Prometheus keeps the state of its
 * alerting rules in the synthetic `ALERTS` series, so one instant query per iteration sees them
 * all. An alert firing only for the stable track still fails: the gate cannot tell an unrelated
 * incident from one the canary's traffic share caused, and a deployment should not continue
 * into an incident either way.
 */

/** Prometheus alert names are label values; the gate accepts the metric-name-like ones people write. */
const ALERT_NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*$/

/** Labels every ALERTS sample carries, which say nothing about which alert fired where. */
const HIDDEN_LABELS = new Set(['__name__', 'alertstate', 'alertname'])

export function parseAlertNames(names: readonly string[], inputName = 'alerts'): string[] {
  for (const name of names) {
    if (!ALERT_NAME.test(name)) {
      throw new InputError(
        inputName,
        name,
        'alert names (letters, digits, "_", ":", "." and "-"), separated by commas or newlines'
      )
    }
  }
  return [...new Set(names)]
}

export function firingAlertsQuery(names: readonly string[]): string {
  return `ALERTS{alertstate="firing", alertname=~"${names.map(escapeRegex).map(escapeStringLiteral).join('|')}"}`
}

/** A regular expression inside a PromQL string literal needs its backslashes doubled. */
function escapeStringLiteral(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')
}

export interface AlertsJudgement {
  classification: Classification
  reason: string
  firing: FiringAlert[]
}

export function judgeAlerts(
  names: readonly string[],
  reading: Reading<InstantSample[]>
): AlertsJudgement {
  if (reading.status === 'error')
    return {
      classification: 'error',
      reason: `the alerts query failed: ${reading.error}`,
      firing: []
    }
  const samples = reading.status === 'ok' ? reading.value : []
  const firing = samples
    .map(sample => {
      const labels = Object.fromEntries(
        Object.entries(sample.labels).filter(([key]) => !HIDDEN_LABELS.has(key))
      )
      return { alertname: sample.labels.alertname ?? '(unnamed)', labels }
    })
    .sort((a, b) => a.alertname.localeCompare(b.alertname))
  if (firing.length === 0)
    return { classification: 'pass', reason: `none of ${names.join(', ')} is firing`, firing }
  return {
    classification: 'fail',
    reason: `${firing.map(describeAlert).join('; ')} ${firing.length === 1 ? 'is' : 'are'} firing`,
    firing
  }
}

export function describeAlert(alert: FiringAlert): string {
  const labels = Object.entries(alert.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}="${value}"`)
    .join(', ')
  return `alert ${alert.alertname}${labels ? ` {${labels}}` : ''}`
}
