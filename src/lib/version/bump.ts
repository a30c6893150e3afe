import type { Increment } from './gitflow.js'

const RANK: Record<Increment, number> = { none: 0, patch: 1, minor: 2, major: 3 }

export function maxIncrement(a: Increment, b: Increment): Increment {
  return RANK[a] >= RANK[b] ? a : b
}

export function compareIncrement(a: Increment, b: Increment): number {
  return RANK[a] - RANK[b]
}

// GitVersion's GitFlow/v1 bump messages ([+=]semver: ...).
const SEMVER_MAJOR = /[+=]semver:\s?(?:breaking|major)\b/i
const SEMVER_MINOR = /[+=]semver:\s?(?:feature|minor)\b/i
const SEMVER_PATCH = /[+=]semver:\s?(?:fix|patch)\b/i
const SEMVER_NONE = /[+=]semver:\s?(?:none|skip)\b/i
// Conventional Commits 1.0: `type(scope)!: subject`, and BREAKING CHANGE footers.
const CONVENTIONAL_HEADER = /^(?<type>[a-zA-Z]+)(?:\([^)\n]*\))?(?<breaking>!)?: \S/
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE: /m

/**
 * What one commit message asks for, or undefined when it asks nothing. `+semver: none` wins over
 * any other bump in the same message, as in GitVersion.
 */
export function messageIncrement(message: string): Increment | undefined {
  if (SEMVER_NONE.test(message)) return 'none'
  if (SEMVER_MAJOR.test(message)) return 'major'
  const header = CONVENTIONAL_HEADER.exec(message.split('\n')[0] ?? '')
  if (header?.groups?.breaking || (header && BREAKING_FOOTER.test(message))) return 'major'
  if (SEMVER_MINOR.test(message)) return 'minor'
  const type = header?.groups?.type?.toLowerCase()
  if (type === 'feat') return 'minor'
  if (SEMVER_PATCH.test(message)) return 'patch'
  if (type === 'fix' || type === 'perf') return 'patch'
  return undefined
}

export interface IncrementDecision {
  increment: Increment
  /** Why: the branch's own increment, or the commit that asked for more. */
  reason: string
}

/**
 * GitVersion's rule: the largest bump any commit since the version source asks for, but never
 * less than the branch's own increment; below 1.0.0 a breaking change bumps the minor only.
 */
export function decideIncrement(
  branchDefault: Increment,
  commits: readonly { sha: string; message: string }[],
  baseIsPreOne: boolean
): IncrementDecision {
  let fromMessages: Increment | undefined
  let asker: { sha: string; message: string } | undefined
  for (const commit of commits) {
    const asked = messageIncrement(commit.message)
    if (asked === undefined) continue
    if (fromMessages === undefined || compareIncrement(asked, fromMessages) > 0) {
      fromMessages = asked
      asker = commit
    }
  }
  if (fromMessages === undefined || compareIncrement(fromMessages, branchDefault) <= 0) {
    return { increment: branchDefault, reason: `the branch's increment (${branchDefault})` }
  }
  let increment = fromMessages
  if (baseIsPreOne && increment === 'major') increment = 'minor'
  const subject = (asker?.message.split('\n')[0] ?? '').slice(0, 72)
  return {
    increment,
    reason: `commit ${asker?.sha.slice(0, 7)} "${subject}" asks for ${fromMessages}`
  }
}
