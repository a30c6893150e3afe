/**
 * Branch kinds of GitVersion's GitFlow/v1 workflow, recognised by its regular expressions, with
 * what each kind contributes to a version (label, increment, deployment mode) and where it deploys.
 */
export type BranchKind =
  'main' | 'develop' | 'release' | 'hotfix' | 'feature' | 'pull-request' | 'support' | 'unknown'
export type Increment = 'major' | 'minor' | 'patch' | 'none'
export type Environment = 'dev' | 'staging' | 'prod' | 'none'

/**
 * `continuous-delivery`: the pre-release number counts commits since the version source
 * (`1.3.0-alpha.4`). `manual-deployment`: the pre-release number moves only when a pre-release is
 * tagged, and the commit count goes to build metadata (`1.3.0-beta.1+4`). `release`: no label;
 * the version is the release itself (GitVersion's ContinuousDeployment on main), so it can be tagged.
 */
export type DeploymentMode = 'continuous-delivery' | 'manual-deployment' | 'release'

export interface BranchInfo {
  name: string
  kind: BranchKind
  /** The `BranchName` capture of the branch pattern (`foo` for `feature/foo`, `1.2.0` for `release/1.2.0`). */
  captured: string
  /** The pull request number, for pull-request branches and events. */
  pullRequest?: number
}

interface KindRule {
  kind: BranchKind
  pattern: RegExp
}

// Order matters: the first rule that matches decides, as in GitVersion.
const RULES: KindRule[] = [
  { kind: 'main', pattern: /^(?:master|main)$/ },
  { kind: 'develop', pattern: /^dev(?:elop)?(?:ment)?$/ },
  { kind: 'release', pattern: /^releases?[/-](?<name>.+)$/ },
  { kind: 'hotfix', pattern: /^hotfix(?:es)?[/-](?<name>.+)$/ },
  { kind: 'feature', pattern: /^features?[/-](?<name>.+)$/ },
  { kind: 'pull-request', pattern: /^(?:pull-requests|pull|pr)[/-](?<number>\d+)(?:[/-].*)?$/ },
  { kind: 'support', pattern: /^support[/-](?<name>.+)$/ }
]

export function classifyBranch(name: string, pullRequest?: number): BranchInfo {
  if (pullRequest !== undefined)
    return { name, kind: 'pull-request', captured: String(pullRequest), pullRequest }
  for (const rule of RULES) {
    const match = rule.pattern.exec(name)
    if (!match) continue
    const number = match.groups?.number
    if (number !== undefined)
      return { name, kind: rule.kind, captured: number, pullRequest: Number(number) }
    return { name, kind: rule.kind, captured: match.groups?.name ?? name }
  }
  return { name, kind: 'unknown', captured: name }
}

export interface Labels {
  develop: string
  release: string
  hotfix: string
}

/** The pre-release label for a branch; '' for main and support. */
export function branchLabel(branch: BranchInfo, labels: Labels): string {
  switch (branch.kind) {
    case 'main':
    case 'support':
      return ''
    case 'develop':
      return labels.develop
    case 'release':
      return labels.release
    case 'hotfix':
      return labels.hotfix
    case 'pull-request':
      return `PullRequest${branch.pullRequest ?? ''}`
    case 'feature':
    case 'unknown':
      return sanitiseLabel(branch.captured)
  }
}

/** A branch name as a SemVer pre-release identifier: anything but [0-9A-Za-z-] becomes '-'. */
export function sanitiseLabel(text: string): string {
  return text.replace(/[^0-9A-Za-z-]+/g, '-').replace(/^-+|-+$/g, '') || 'branch'
}

export function deploymentMode(kind: BranchKind): DeploymentMode {
  switch (kind) {
    case 'main':
    case 'support':
      return 'release'
    case 'develop':
    case 'pull-request':
      return 'continuous-delivery'
    default:
      return 'manual-deployment'
  }
}

/** The branch's own increment; `inherit` is resolved from the branch it was created from. */
export function branchIncrement(kind: BranchKind): Increment | 'inherit' {
  switch (kind) {
    case 'main':
    case 'support':
      return 'patch'
    case 'develop':
    case 'release':
      return 'minor'
    default:
      return 'inherit'
  }
}

/** Where GitFlow promotion deploys a branch: develop to dev, release and hotfix to staging, main to prod. */
export function environmentFor(kind: BranchKind): Environment {
  switch (kind) {
    case 'develop':
      return 'dev'
    case 'release':
    case 'hotfix':
      return 'staging'
    case 'main':
      return 'prod'
    default:
      return 'none'
  }
}

/** A version in a release or hotfix branch name: `1.2`, `1.2.0`, `v1.2.0` (version-in-branch-pattern). */
export function versionInBranchName(captured: string): string | undefined {
  const match = /^[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(captured)
  if (!match) return undefined
  return `${Number(match[1])}.${Number(match[2] ?? 0)}.${Number(match[3] ?? 0)}`
}

/**
 * The branch a merge commit merged, from the messages git, GitHub and Azure write:
 * `Merge branch 'release/1.2.0' into develop`, `Merge pull request #12 from org/release/1.2.0`,
 * `Merge remote-tracking branch 'origin/release/1.2.0'`.
 */
export function mergedBranchName(message: string): string | undefined {
  const subject = message.split('\n')[0] ?? ''
  const patterns = [
    /^Merge branch '(?<branch>[^']+)'/,
    /^Merge remote-tracking branch '(?:[^/']+\/)?(?<branch>[^']+)'/,
    /^Merge pull request #\d+ (?:from|in) (?:[^/\s]+\/)?(?<branch>\S+)/,
    /^Merged PR \d+: Merge (?<branch>\S+) to \S+/,
    /^Finish (?<branch>\S+)/
  ]
  for (const pattern of patterns) {
    const branch = pattern.exec(subject)?.groups?.branch
    if (branch) return branch
  }
  return undefined
}
