import { InputError, UserError } from '../errors.js'
import { isSemver } from '../inputs.js'
import { TAG_PATTERN } from '../oci/reference.js'

/** The label that carries the git tree hash: the build-once key, readable from any image. */
export const TREE_LABEL = 'org.mlops-actions.tree'
/** Prefix of the tag that finds the image built from a tree (`tree-<full tree hash>`). */
export const TREE_TAG_PREFIX = 'tree-'

export interface TagSource {
  /** A semantic version, with or without a leading `v`. */
  version?: string
  /** The commit SHA. */
  sha?: string
  /** The git tree hash of the commit. */
  tree?: string
  /** Extra tags (the `tags` input), added after the generated ones. */
  extra?: string[]
  /** Length of the short SHA in `sha-<short>`; default 7, as git and metadata-action. */
  shortShaLength?: number
}

/**
 * The image tags for a build, in the manner of docker/metadata-action's semver and sha types:
 * a release `1.2.3` gets `1.2.3`, `1.2`, `1` (not for 0.x, whose minor versions may break)
 * and `latest`; a prerelease gets only its own version, so it never moves a floating tag.
 * `+build` metadata is not a valid tag character and becomes `-`. Then `sha-<short>`,
 * `tree-<full hash>` (full, because it is a lookup key and must not collide), and the extras.
 */
export function imageTags(source: TagSource): string[] {
  const tags: string[] = []
  if (source.version) {
    const version = source.version.replace(/^v/, '')
    if (!isSemver(version)) {
      throw new InputError(
        'version',
        source.version,
        'a semantic version such as 1.2.3 or 1.3.0-beta.2'
      )
    }
    const [core, build] = version.split('+') as [string, string | undefined]
    const prerelease = core.includes('-')
    tags.push(build ? `${core}-${build}` : core)
    if (!prerelease) {
      const [major, minor] = core.split('.') as [string, string]
      tags.push(`${major}.${minor}`)
      if (major !== '0') tags.push(major)
      tags.push('latest')
    }
  }
  if (source.sha) {
    if (!/^[0-9a-f]{7,64}$/.test(source.sha))
      throw new InputError('sha', source.sha, 'a hexadecimal commit SHA')
    tags.push(`sha-${source.sha.slice(0, source.shortShaLength ?? 7)}`)
  }
  if (source.tree) tags.push(treeTag(source.tree))
  for (const tag of source.extra ?? []) {
    if (!TAG_PATTERN.test(tag)) {
      throw new InputError(
        'tags',
        tag,
        'OCI tags: letters, digits, _ . - (not first), at most 128 characters'
      )
    }
    tags.push(tag)
  }
  return [...new Set(tags)]
}

export function treeTag(tree: string): string {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(tree))
    throw new InputError('tree', tree, 'a full git tree hash (40 or 64 hex digits)')
  return `${TREE_TAG_PREFIX}${tree}`
}

export interface LabelSource {
  version?: string
  /** The commit SHA. */
  revision?: string
  /** The repository URL, e.g. `https://github.com/org/model`. */
  source?: string
  created: Date
  tree?: string
  title?: string
  /** Extra labels (the `labels` input) override the generated ones. */
  extra?: Record<string, string>
}

/** OCI annotation keys (`org.opencontainers.image.*`) as image labels, plus the tree label. */
export function imageLabels(source: LabelSource): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.created': formatCreated(source.created)
  }
  if (source.title) labels['org.opencontainers.image.title'] = source.title
  if (source.source) labels['org.opencontainers.image.source'] = source.source
  if (source.version) labels['org.opencontainers.image.version'] = source.version.replace(/^v/, '')
  if (source.revision) labels['org.opencontainers.image.revision'] = source.revision
  if (source.tree) labels[TREE_LABEL] = source.tree
  return { ...labels, ...source.extra }
}

/** `key=value` lines (or comma-separated) of the `labels` input. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim()
    if (!trimmed || trimmed.startsWith('#')) continue
    const eq = trimmed.indexOf('=')
    const key = eq > 0 ? trimmed.slice(0, eq).trim() : ''
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(key)) {
      throw new InputError(
        'labels',
        trimmed,
        'lines of key=value, keys of letters, digits and . _ - /'
      )
    }
    labels[key] = trimmed.slice(eq + 1).trim()
  }
  return labels
}

/**
 * The image's creation time: SOURCE_DATE_EPOCH when set (the reproducible-builds convention),
 * else the commit time. Never the wall clock: that would change the digest of every rebuild.
 */
export function resolveCreated(options: { sourceDateEpoch?: string; commitTime?: string }): Date {
  const epoch = options.sourceDateEpoch?.trim()
  if (epoch) {
    if (!/^\d+$/.test(epoch))
      throw new InputError('SOURCE_DATE_EPOCH', epoch, 'whole seconds since 1970-01-01')
    return new Date(Number(epoch) * 1000)
  }
  const commit = options.commitTime?.trim()
  if (commit) {
    const date = /^\d+$/.test(commit) ? new Date(Number(commit) * 1000) : new Date(commit)
    if (!Number.isNaN(date.getTime())) return date
  }
  throw new UserError(
    'The image creation time needs SOURCE_DATE_EPOCH or the commit time (run after checkout).'
  )
}

export function formatCreated(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z')
}
