import { code, heading, keyValues } from '../markdown.js'
import type { VersionResult } from './calculate.js'

export function versionSummary(result: VersionResult, tagOutcome: string): string {
  const { source } = result
  const counted = source.commit ? `since ${source.commit.slice(0, 7)}` : 'since the first commit'
  return [
    heading(`Version ${code(result.version)}`),
    keyValues([
      ['Version', code(result.version)],
      ['Full version', code(result.fullVersion)],
      ['Tag', `${code(result.tag)}${tagOutcome ? ` (${tagOutcome})` : ''}`],
      ['Branch', `${code(result.branch.name)} (${result.branch.kind})`],
      ['Environment', result.environment],
      [
        'Version source',
        `${source.description} (${source.strategy}, base ${code(source.version)})`
      ],
      ['Bump', `${result.bump}: ${result.bumpReason}`],
      ['Commits since source', `${result.commitsSinceSource} ${counted}`],
      ['Previous release', result.previousVersion ? code(result.previousVersion) : 'none'],
      ['Commit', code(result.sha)],
      ['Tree (image key)', code(result.tree)]
    ])
  ].join('\n\n')
}
