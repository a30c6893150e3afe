import { code, codeBlock, details, heading, keyValues, lineChart, table } from '../markdown.js'
import type { AnalysisResult } from './analysis.js'
import type { IterationReport, MetricIterationReport, ReportNumber } from './report.js'

const VERDICT_MARK = { pass: '✅', fail: '❌', inconclusive: '⚠️' } as const

/**
 * The canary gate's job summary: the verdict and why in one sentence, a chart of each metric
 * over the iterations for canary and baseline, the iterations at a glance, and every query sent.
 */
export function canarySummary(result: AnalysisResult): string {
  const { report } = result
  const s = report.settings
  const labels = report.iterations.map(it => `#${it.iteration}`)
  const names = [...new Set(report.iterations.flatMap(it => it.metrics.map(m => m.name)))]
  const parts = [
    heading(
      `${VERDICT_MARK[result.verdict]} Canary gate: ${result.verdict} (score ${result.score})`
    ),
    result.reason,
    keyValues([
      ['Canary', code(s.canarySelector)],
      ['Baseline', code(s.baselineSelector)],
      [
        'Iterations',
        `${report.iterations.length} of ${s.iterations}, every ${s.intervalSeconds} s`
      ],
      ['Failure limit', s.failureLimit],
      ['On no data', s.onNoData],
      ['Warmup', `${s.warmupSeconds} s${waited(report.iterations[0])}`],
      ['Alerts watched', s.alerts.length ? s.alerts.map(code).join(', ') : 'none']
    ])
  ]
  if (report.iterations.length) {
    parts.push(
      heading('Iterations', 3),
      table(
        ['#', 'status', 'score', ...names, ...(s.alerts.length ? ['alerts'] : [])],
        report.iterations.map(it => [
          it.iteration,
          it.status,
          it.score,
          ...names.map(name => shownClassification(it.metrics.find(m => m.name === name))),
          ...(s.alerts.length ? [it.alerts?.classification ?? ''] : [])
        ])
      )
    )
  }
  for (const name of names) {
    const points = report.iterations.map(it => it.metrics.find(m => m.name === name))
    const last = [...points].reverse().find(p => p !== undefined)
    if (!last) continue
    const drift = last.kind === 'drift'
    const series = [
      {
        name: drift ? 'PSI canary vs baseline' : 'canary',
        values: points.map(p => chartValue(p?.canary))
      }
    ]
    if (!drift && points.some(p => chartValue(p?.baseline) !== null)) {
      series.push({ name: 'baseline', values: points.map(p => chartValue(p?.baseline)) })
    }
    const bounds = [
      last.bounds.min !== undefined ? `min ${last.bounds.min}` : '',
      last.bounds.max !== undefined ? `max ${last.bounds.max}` : ''
    ].filter(Boolean)
    parts.push(
      heading(`${name}${last.critical ? ' (critical)' : ''}: ${last.classification}`, 3),
      `${last.reason}${bounds.length ? ` Bounds: ${bounds.join(', ')}.` : ''}`,
      labels.length > 1 ? lineChart(name, labels, series) : ''
    )
  }
  const queries = report.iterations.flatMap(it => [
    ...it.metrics.flatMap(m => m.queries.map(q => [it.iteration, m.name, q] as const)),
    ...(it.alerts?.queries ?? []).map(q => [it.iteration, 'alerts', q] as const)
  ])
  if (queries.length) {
    parts.push(
      details(
        `Every query sent (${queries.length})`,
        table(
          ['#', 'metric', 'side', 'endpoint', 'query', 'outcome', 'value'],
          queries.map(([i, metric, q]) => [
            i,
            metric,
            q.side,
            q.endpoint,
            code(q.query),
            q.error ? `error: ${q.error}` : q.outcome,
            q.value ?? (q.points !== undefined ? `${q.points} points` : '')
          ])
        )
      )
    )
  }
  parts.push(
    details(
      'Report (JSON, also the `report` output)',
      codeBlock(JSON.stringify(report, null, 2).slice(0, 60_000), 'json')
    )
  )
  return parts.filter(Boolean).join('\n\n')
}

/** A pending comparison (too few points yet) shows as such, not as a plain no data. */
function shownClassification(metric: MetricIterationReport | undefined): string {
  if (!metric) return ''
  return metric.pending ? 'pending' : metric.classification
}

function waited(first: IterationReport | undefined): string {
  return first?.warmupWaitedSeconds
    ? ` (the first look waited ${first.warmupWaitedSeconds} s for data)`
    : ''
}

function chartValue(value: ReportNumber | undefined): number | null {
  return typeof value === 'number' ? value : null
}

/** One progress line per iteration: `Iteration 2/5: pass, score 100 (error-rate pass, ...)`. */
export function describeIteration(iteration: IterationReport, iterations: number): string {
  const metrics = iteration.metrics.map(m => `${m.name} ${shownClassification(m)}`).join(', ')
  const alerts = iteration.alerts ? `, alerts ${iteration.alerts.classification}` : ''
  return `Iteration ${iteration.iteration}/${iterations}: ${iteration.status}, score ${iteration.score} (${metrics}${alerts})`
}
