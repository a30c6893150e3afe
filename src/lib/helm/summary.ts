import type { AuditRecord } from '../audit.js'
import { formatElapsed } from '../duration.js'
import { code, codeBlock, details, heading, keyValues, table } from '../markdown.js'
import type { DeployOutcome, ReleaseResult } from './deploy.js'
import type { RevisionFacts, RollbackResult } from './rollback.js'
import { describeTarget, shortDigest } from './rollback.js'
import type { Recovery } from './stuck.js'

const TITLES: Record<string, string> = {
  'direct:deploy': 'Deployed',
  'canary:deploy': 'Canary deployed',
  'canary:promote': 'Canary promoted',
  'canary:abort': 'Canary aborted',
  'blue-green:deploy': 'Blue-green deployed'
}

function recoveryBlock(recoveries: readonly Recovery[]): string[] {
  return recoveries.map(r =>
    [
      `> [!WARNING]`,
      `> Stuck release recovered: ${r.judged}`,
      `> ${r.action === 'uninstalled' ? 'It never deployed, so it was uninstalled.' : `Rolled back to revision ${r.toRevision}${r.markedFailed ? `; revision ${r.revision} marked failed` : ''}.`}`
    ].join('\n')
  )
}

function releaseRow(result: ReleaseResult): unknown[] {
  return [
    code(result.release),
    result.previousRevision ?? 'none',
    result.revision,
    result.status,
    result.image
      ? code(`${result.image.repository}@${shortDigest(result.image.digest)}`)
      : 'chart default',
    `${result.chartName} ${result.chartVersion}`,
    formatElapsed(result.rolloutMs)
  ]
}

/** The job summary of deploy-helm: what changed, what Helm reported, how long it took. */
export function deploySummary(
  outcome: DeployOutcome,
  record: AuditRecord,
  deploymentId?: number
): string {
  const title = TITLES[`${outcome.strategy}:${outcome.action}`] ?? 'Deployed'
  const where = record.environment
    ? `${code(record.release)} to ${record.environment}`
    : code(record.release)
  const parts = [heading(`${title}: ${where}${record.version ? ` ${code(record.version)}` : ''}`)]
  parts.push(...recoveryBlock(outcome.upgraded.flatMap(r => (r.recovery ? [r.recovery] : []))))
  if (outcome.upgraded.length > 0) {
    parts.push(
      table(
        [
          'release',
          'revision before',
          'revision after',
          'Helm status',
          'image',
          'chart',
          'rollout took'
        ],
        outcome.upgraded.map(releaseRow)
      )
    )
  }
  parts.push(
    keyValues([
      ['Namespace', code(record.namespace)],
      ['Strategy', outcome.strategy],
      [
        'Traffic',
        outcome.activeColor
          ? `${outcome.activeColor}${outcome.previousColor ? ` (was ${outcome.previousColor}, still running for an instant switch back)` : ''}`
          : undefined
      ],
      ['Image digest', record.digest ? code(record.digest) : undefined],
      ['Removed', outcome.removed.length ? outcome.removed.map(code).join(', ') : undefined],
      ['Helm', outcome.helmVersion.text],
      ['GitHub deployment', deploymentId ? String(deploymentId) : undefined],
      ['Run', record.runUrl ?? undefined]
    ])
  )
  if (outcome.upgraded.length) {
    const reported = outcome.upgraded.map(
      r =>
        `${code(r.release)}: revision ${r.revision} ${r.status}${r.notes ? `\n\n${codeBlock(r.notes)}` : ''}`
    )
    parts.push(details('What Helm reported', reported.join('\n\n')))
  }
  parts.push(details('Audit record', codeBlock(JSON.stringify(record, null, 2), 'json')))
  return parts.join('\n\n')
}

/** A failed deploy: what Helm said and where the release was left. */
export function deployFailureSummary(
  release: string,
  message: string,
  record: AuditRecord
): string {
  return [
    heading(
      `Deploy failed: ${code(release)}${record.environment ? ` to ${record.environment}` : ''}`
    ),
    codeBlock(message),
    details('Audit record', codeBlock(JSON.stringify(record, null, 2), 'json'))
  ].join('\n\n')
}

function runs(facts: RevisionFacts): string {
  const parts = [
    facts.version ? code(facts.version) : undefined,
    facts.active ? `${facts.active} colour` : undefined,
    facts.digest ? code(shortDigest(facts.digest)) : undefined,
    `chart ${facts.chartVersion}`
  ].filter(Boolean)
  return `revision ${facts.revision}: ${parts.join(', ')}`
}

function label(facts: RevisionFacts): string {
  const what =
    facts.version ?? (facts.digest ? shortDigest(facts.digest) : `revision ${facts.revision}`)
  return code(facts.active ? `${facts.active} ${what}` : what)
}

/** The rollback summary, for a maintainer under pressure: from, to, why, who. */
export function rollbackSummary(
  result: RollbackResult,
  record: AuditRecord,
  dryRun: boolean
): string {
  const where = `${code(result.release)}${record.environment ? ` in ${record.environment}` : ''}`
  const title =
    dryRun && !result.noOp
      ? `Dry run: would roll back ${where}`
      : result.noOp
        ? `No rollback needed: ${where}`
        : `Rolled back ${where}: ${label(result.from)} → ${label(result.to)}`
  return [
    heading(title),
    keyValues([
      ['From', runs(result.from)],
      ['To', runs(result.to)],
      [
        'New revision',
        result.newRevision ?? (result.noOp ? 'none (already running)' : 'none (dry run)')
      ],
      ['Target asked', describeTarget(result.target)],
      ['Why this revision', result.why],
      ['Reason', record.reason ?? 'not given'],
      ['Who', record.actor ?? 'unknown'],
      ['Run', record.runUrl ?? undefined],
      ['Took', result.rolledBack ? formatElapsed(result.durationMs) : undefined],
      [
        'Abandoned revisions marked failed',
        result.markedFailed.length ? result.markedFailed.join(', ') : undefined
      ],
      ['Helm', result.helmVersion.text]
    ]),
    details('Audit record', codeBlock(JSON.stringify(record, null, 2), 'json'))
  ].join('\n\n')
}
