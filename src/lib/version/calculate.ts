import { UserError } from '../errors.js'
import { isAncestor, type Git } from '../git.js'
import { decideIncrement } from './bump.js'
import {
  branchIncrement,
  branchLabel,
  classifyBranch,
  deploymentMode,
  environmentFor,
  mergedBranchName,
  versionInBranchName,
  type BranchInfo,
  type BranchKind,
  type Environment,
  type Increment,
  type Labels
} from './gitflow.js'
import { readRefs, type BranchRef, type VersionTag } from './refs.js'
import {
  compareCore,
  compareVersions,
  coreVersion,
  formatVersion,
  incrementVersion,
  parseVersion,
  prereleaseParts,
  type Version
} from './semver.js'

export interface VersionRequest {
  git: Git
  /** The branch being built (see resolveBranch). */
  branch: string
  pullRequest?: number
  /** For a pull request: its source branch, whose increment the pull request inherits. */
  pullRequestSource?: string
  tagPrefix: string
  labels: Labels
}

/** How the version was derived, for the summary and for debugging a surprising version. */
export interface VersionSource {
  strategy:
    | 'tagged-commit'
    | 'merge-target'
    | 'branch-name'
    | 'merge-message'
    | 'release-branch'
    | 'fallback'
  description: string
  version: string
  /** The commit the version counts from; null for the fallback (counts from the first commit). */
  commit: string | null
}

export interface VersionResult {
  version: string
  fullVersion: string
  major: number
  minor: number
  patch: number
  prerelease: string
  tag: string
  previousVersion: string
  bump: Increment
  bumpReason: string
  environment: Environment
  isRelease: boolean
  sha: string
  tree: string
  branch: BranchInfo
  source: VersionSource
  commitsSinceSource: number
  /** The version tag already on this commit, if any. */
  existingTag: string | undefined
}

interface Candidate {
  strategy: VersionSource['strategy']
  description: string
  base: Version
  commit: string | null
  increment: boolean
  /** Set for a pre-release tag: its label and number continue on this branch. */
  prereleaseTag?: VersionTag
}

interface Commit {
  sha: string
  parents: string[]
  message: string
}

/**
 * GitVersion's GitFlow/v1 calculation, reduced to the strategies GitFlow needs (tagged commit,
 * merge target, version in branch name, merge message, tracked release branches, fallback). Every
 * candidate base version is incremented as the branch says; the highest wins, and among equals the
 * one with the fewest commits since its source. History is read only from the winning source on,
 * so a tagged repository of any length costs a handful of git calls.
 */
export async function calculateVersion(request: VersionRequest): Promise<VersionResult> {
  const { git, tagPrefix, labels } = request
  const branch = classifyBranch(request.branch, request.pullRequest)
  const [sha = '', tree = ''] = (await git.run(['rev-parse', 'HEAD^{commit}', 'HEAD^{tree}']))
    .trim()
    .split('\n')
  const refs = await readRefs(git, prefixPattern(tagPrefix))
  const history = new HistoryReader(git, sha)
  const label = branchLabel(branch, labels)
  const mode = deploymentMode(branch.kind)

  const tagsDescending = [...refs.tags].sort((a, b) => compareVersions(b.version, a.version))
  const reachable = await reachableTags(git, sha, tagsDescending)
  const latestStable = reachable.find(t => t.version.prerelease.length === 0)
  const headTags = refs.tags.filter(t => t.commit === sha)

  // A release branch (main, support) whose commit is tagged with a release is exactly that release.
  const headRelease = headTags
    .filter(t => t.version.prerelease.length === 0)
    .sort((a, b) => compareVersions(b.version, a.version))[0]
  const parent = await inheritedFrom(git, branch, refs.branches, request.pullRequestSource)
  const increment = resolveIncrement(branch.kind, parent)

  const candidates: Candidate[] = []
  if (latestStable) {
    const exact = mode === 'release' || branch.kind === 'unknown'
    candidates.push({
      strategy: 'tagged-commit',
      description: `tag ${latestStable.name}`,
      base: latestStable.version,
      commit: latestStable.commit,
      increment: !(exact && latestStable.commit === sha)
    })
  }
  for (const tag of reachable) {
    if (tag.version.prerelease.length === 0) break
    candidates.push({
      strategy: 'tagged-commit',
      description: `pre-release tag ${tag.name}`,
      base: coreVersion(tag.version),
      // Commits count from the last release, as in GitVersion; a pre-release tag of this
      // branch's own label continues its numbering instead (see below).
      commit: latestStable?.commit ?? null,
      increment: false,
      prereleaseTag: tag
    })
  }
  // develop tracks release tags on main and release branches; branches made from it inherit that.
  if (branch.kind === 'develop' || parent?.kind === 'develop') {
    const target = await mergeTargetTag(git, sha, tagsDescending, reachable, latestStable)
    if (target) {
      candidates.push({
        strategy: 'merge-target',
        description: `tag ${target.name} on a merge of this branch`,
        base: target.version,
        commit: target.commit,
        increment: true
      })
    }
    for (const release of refs.branches) {
      const info = classifyBranch(release.name)
      if (info.kind !== 'release' && info.kind !== 'hotfix') continue
      const version = versionInBranchName(info.captured)
      // A release branch already merged here is counted by its merge message instead.
      if (!version || (await isAncestor(git, release.commit, sha))) continue
      const forkPoint = await mergeBase(git, sha, release.commit)
      candidates.push({
        strategy: 'release-branch',
        description: `release branch ${release.name}`,
        base: parseVersion(version) as Version,
        commit: forkPoint,
        increment: true
      })
    }
  }
  const namedVersion =
    branchVersion(branch) ?? (parent && branchVersion(classifyBranch(parent.name)))
  if (namedVersion) {
    const source = branchVersion(branch) ? branch.name : (parent?.name as string)
    candidates.push({
      strategy: 'branch-name',
      description: `version in branch name ${source}`,
      base: parseVersion(namedVersion) as Version,
      // GitVersion 6 counts a release branch's commits from the last release tag.
      commit: latestStable?.commit ?? null,
      increment: false
    })
  }
  const sinceTag = await history.since(latestStable?.commit ?? null)
  for (const commit of sinceTag) {
    if (commit.parents.length < 2) continue
    const merged = mergedBranchName(commit.message)
    if (!merged) continue
    const info = classifyBranch(merged.replace(/^origin\//, ''))
    if (info.kind !== 'release' && info.kind !== 'hotfix') continue
    const version = versionInBranchName(info.captured)
    if (!version) continue
    // main counts a release from the previous release; develop from where the release left it.
    const forkPoint =
      mode === 'release' && latestStable
        ? latestStable.commit
        : await mergeBase(git, commit.parents[0] as string, commit.parents[1] as string)
    candidates.push({
      strategy: 'merge-message',
      description: `merge of ${merged} in ${commit.sha.slice(0, 7)}`,
      base: parseVersion(version) as Version,
      commit: forkPoint,
      // main and support release what they merge as it is, and release and hotfix branches are
      // releases themselves (GitVersion's prevent-increment of-merged-branch); others move past it.
      increment: mode !== 'release' && branch.kind !== 'release' && branch.kind !== 'hotfix'
    })
  }
  // 0.0.0 loses to any other base, and would cost a walk of the whole history: only without one.
  if (candidates.length === 0)
    candidates.push({
      strategy: 'fallback',
      description: 'no version tag or branch (0.0.0)',
      base: { major: 0, minor: 0, patch: 0, prerelease: [] },
      commit: null,
      increment: true
    })

  // Increment each candidate as its commits ask, then pick the highest.
  const scored: {
    candidate: Candidate
    next: Version
    bump: Increment
    reason: string
    commits: Commit[]
  }[] = []
  for (const candidate of candidates) {
    const commits = await history.since(candidate.commit)
    const decision = decideIncrement(increment, commits, candidate.base.major === 0)
    const bump: Increment = candidate.increment ? decision.increment : 'none'
    scored.push({
      candidate,
      next: incrementVersion(candidate.base, bump),
      bump,
      reason: candidate.increment ? decision.reason : `${candidate.description} is used as it is`,
      commits
    })
  }
  scored.sort((a, b) => compareCore(b.next, a.next) || a.commits.length - b.commits.length)
  const winner = scored[0] as (typeof scored)[number]

  const next = winner.next
  let commitsSince = winner.commits.length
  let prerelease = ''
  let metadata: number | undefined
  if (mode === 'release') {
    if (headRelease) {
      Object.assign(next, coreVersion(headRelease.version))
      commitsSince = 0
    } else metadata = commitsSince
  } else {
    // A pre-release of this version with this label, tagged earlier, continues its numbering.
    const sameLabel = reachable.find(
      t =>
        compareCore(t.version, next) === 0 &&
        prereleaseParts(t.version).label === label &&
        prereleaseParts(t.version).number !== undefined
    )
    if (sameLabel) {
      const tagged = prereleaseParts(sameLabel.version).number as number
      commitsSince = (await history.since(sameLabel.commit)).length
      if (mode === 'continuous-delivery') prerelease = `${label}.${tagged + commitsSince}`
      else {
        prerelease = `${label}.${tagged + 1}`
        metadata = commitsSince
      }
    } else if (mode === 'continuous-delivery') {
      prerelease = label ? `${label}.${commitsSince}` : String(commitsSince)
    } else {
      prerelease = `${label}.1`
      metadata = commitsSince
    }
  }
  const version = prerelease
    ? `${formatVersion(coreVersion(next))}-${prerelease}`
    : formatVersion(coreVersion(next))
  const existing = headTags.find(t => formatVersion(t.version) === version)
  return {
    version,
    fullVersion: metadata === undefined ? version : `${version}+${metadata}`,
    major: next.major,
    minor: next.minor,
    patch: next.patch,
    prerelease,
    tag: `${tagPrefix}${version}`,
    previousVersion: latestStable ? formatVersion(latestStable.version) : '',
    bump: winner.bump,
    bumpReason: winner.reason,
    environment: request.pullRequest !== undefined ? 'none' : environmentFor(branch.kind),
    isRelease: prerelease === '',
    sha,
    tree,
    branch,
    source: {
      strategy: winner.candidate.strategy,
      description: winner.candidate.description,
      version: formatVersion(winner.candidate.base),
      commit: winner.candidate.commit
    },
    commitsSinceSource: commitsSince,
    existingTag: existing?.name
  }
}

/** `v` reads `v1.2.0`, `V1.2.0` and `1.2.0` (GitVersion's `[vV]?`); another prefix is read exactly. */
function prefixPattern(prefix: string): RegExp {
  if (prefix === 'v' || prefix === 'V' || prefix === '') return /^[vV]?/
  return new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`)
}

function branchVersion(branch: BranchInfo): string | undefined {
  return branch.kind === 'release' || branch.kind === 'hotfix'
    ? versionInBranchName(branch.captured)
    : undefined
}

/** Tags reachable from HEAD, highest first, down to and including the newest release tag. */
async function reachableTags(
  git: Git,
  head: string,
  tagsDescending: VersionTag[]
): Promise<VersionTag[]> {
  const found: VersionTag[] = []
  for (const tag of tagsDescending) {
    if (tag.commit === head || (await isAncestor(git, tag.commit, head))) {
      found.push(tag)
      if (tag.version.prerelease.length === 0) break
    }
  }
  return found
}

/**
 * GitVersion's track-merge-target for develop: a release tag that is not in develop's history
 * but sits on a commit that merged develop's history (the release finished on main) counts.
 */
async function mergeTargetTag(
  git: Git,
  head: string,
  tagsDescending: VersionTag[],
  reachable: VersionTag[],
  latestStable: VersionTag | undefined
): Promise<VersionTag | undefined> {
  for (const tag of tagsDescending) {
    if (tag.version.prerelease.length) continue
    if (latestStable && compareVersions(tag.version, latestStable.version) <= 0) return undefined
    if (reachable.includes(tag)) continue
    const parents = (await git.run(['rev-list', '--parents', '-n', '1', tag.commit]))
      .trim()
      .split(' ')
      .slice(1)
    if (parents.length < 2) continue
    for (const parent of parents.slice(1)) {
      if (await isAncestor(git, parent, head)) return tag
    }
  }
  return undefined
}

async function mergeBase(git: Git, a: string, b: string): Promise<string | null> {
  const out = await git.run(['merge-base', a, b]).catch(() => '')
  return out.trim() || null
}

/** The branch a branch of kind `inherit` was created from: the source branch nearest in history. */
async function inheritedFrom(
  git: Git,
  branch: BranchInfo,
  branches: BranchRef[],
  pullRequestSource: string | undefined
): Promise<BranchInfo | undefined> {
  if (branch.kind === 'pull-request' && pullRequestSource) {
    const source = classifyBranch(pullRequestSource)
    if (source.kind !== 'feature' && source.kind !== 'unknown') return source
  }
  if (branchIncrement(branch.kind) !== 'inherit') return undefined
  if (branch.kind === 'hotfix') return classifyBranch('main')
  const sources: BranchKind[] = ['develop', 'main', 'release', 'hotfix', 'support']
  let best: { info: BranchInfo; distance: number } | undefined
  for (const ref of branches) {
    const info = classifyBranch(ref.name)
    if (!sources.includes(info.kind) || ref.name === branch.name) continue
    const base = await mergeBase(git, 'HEAD', ref.commit)
    if (!base) continue
    const distance = Number((await git.run(['rev-list', '--count', `${base}..HEAD`])).trim())
    const better =
      !best ||
      distance < best.distance ||
      // At the same point, develop is the usual parent in GitFlow.
      (distance === best.distance && info.kind === 'develop')
    if (better) best = { info, distance }
  }
  return best?.info ?? classifyBranch('main')
}

function resolveIncrement(kind: BranchKind, parent: BranchInfo | undefined): Increment {
  const own = branchIncrement(kind)
  if (own !== 'inherit') return own
  const inherited = parent ? branchIncrement(parent.kind) : 'patch'
  // A branch made from a release or hotfix branch continues that release: it adds no increment.
  if (
    parent &&
    (parent.kind === 'release' || parent.kind === 'hotfix') &&
    versionInBranchName(parent.captured)
  )
    return 'none'
  return inherited === 'inherit' ? 'patch' : inherited
}

/** Reads commits from HEAD back to a source commit, once per source. */
class HistoryReader {
  private readonly cache = new Map<string, Promise<Commit[]>>()
  constructor(
    private readonly git: Git,
    private readonly head: string
  ) {}

  since(source: string | null): Promise<Commit[]> {
    const key = source ?? ''
    let commits = this.cache.get(key)
    if (!commits) {
      commits = this.read(source)
      this.cache.set(key, commits)
    }
    return commits
  }

  private async read(source: string | null): Promise<Commit[]> {
    const range = source ? [this.head, `^${source}`] : [this.head]
    const out = await this.git.run(['log', '--format=%H%x1f%P%x1f%B%x1e', ...range, '--'])
    return out
      .split('\x1e')
      .map(record => record.replace(/^\n/, ''))
      .filter(record => record.includes('\x1f'))
      .map(record => {
        const [sha = '', parents = '', message = ''] = record.split('\x1f')
        return { sha, parents: parents.split(' ').filter(Boolean), message: message.trim() }
      })
  }
}

/**
 * The branch being built: the `branch` input, else the pull request's, else GITHUB_REF's, else
 * the checked-out branch. A detached HEAD with none of these is a clear error.
 */
export async function resolveBranch(
  git: Git,
  given: { input: string; ref: string; headRef: string; eventPullRequest?: number }
): Promise<{ branch: string; pullRequest?: number; pullRequestSource?: string }> {
  if (given.input) return { branch: given.input }
  const pr = /^refs\/pull\/(\d+)\//.exec(given.ref)
  if (given.headRef || pr) {
    const number = pr ? Number(pr[1]) : given.eventPullRequest
    return {
      branch: given.headRef || `pull/${number}`,
      pullRequest: number,
      pullRequestSource: given.headRef || undefined
    }
  }
  if (given.ref.startsWith('refs/heads/')) return { branch: given.ref.slice('refs/heads/'.length) }
  // A pushed release tag is the release it names: versioned as main versions a tagged commit.
  if (given.ref.startsWith('refs/tags/')) return { branch: 'main' }
  const current = (await git.run(['symbolic-ref', '--short', '-q', 'HEAD']).catch(() => '')).trim()
  if (current) return { branch: current }
  throw new UserError(
    'Cannot tell which branch is being built: HEAD is detached and GITHUB_REF names no branch. Set the `branch` input.'
  )
}
