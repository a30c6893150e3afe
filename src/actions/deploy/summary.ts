import type { AuditRecord } from '../../lib/audit.js'
import type { AnalysisResult } from '../../lib/canary/analysis.js'
import { canarySummary } from '../../lib/canary/summary.js'
import { code, codeBlock, details, heading, keyValues, table } from '../../lib/markdown.js'

export interface StepReport {
  weight: number
  verdict: string
  score: number
  reason: string
}

/** The front door's summary of a progressive canary: the steps, then the last analysis in full. */
export function progressiveSummary(options: {
  record: AuditRecord
  steps: StepReport[]
  analysis: AnalysisResult | undefined
  deploymentId: number | undefined
}): string {
  const { record, steps, analysis } = options
  const promoted = record.outcome === 'success'
  const title = promoted
    ? `✅ Promoted ${code(record.release)} ${record.version ? code(record.version) : ''} in ${record.environment || record.namespace}`
    : `❌ Rolled back the canary of ${code(record.release)} ${record.version ? code(record.version) : ''} in ${record.environment || record.namespace}`
  return [
    heading(title),
    promoted
      ? `The canary passed every step and the stable release now runs it (revision ${record.revision}).`
      : `${record.reason}. The canary was removed; the stable release (revision ${record.revision}) was never changed and serves all traffic.`,
    table(
      ['step', 'traffic', 'verdict', 'score', 'why'],
      steps.map((s, i) => [i + 1, `${s.weight}%`, s.verdict, s.score, s.reason])
    ),
    keyValues([
      [
        'Image',
        record.image && record.digest ? code(`${record.image}@${record.digest}`) : undefined
      ],
      ['Namespace', code(record.namespace)],
      ['GitHub deployment', options.deploymentId ? String(options.deploymentId) : undefined],
      ['Run', record.runUrl ?? undefined]
    ]),
    analysis ? details('The last canary analysis', canarySummary(analysis)) : '',
    details('Audit record', codeBlock(JSON.stringify(record, null, 2), 'json'))
  ]
    .filter(Boolean)
    .join('\n\n')
}
