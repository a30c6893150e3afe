import type { Git } from '../git.js'
import { parseVersion, type Version } from './semver.js'

export interface VersionTag {
  name: string
  commit: string
  version: Version
}

export interface BranchRef {
  /** Branch name without `refs/heads/` or `refs/remotes/<remote>/`. */
  name: string
  commit: string
}

export interface RepositoryRefs {
  tags: VersionTag[]
  branches: BranchRef[]
}

/**
 * Every tag that names a version (after the prefix) and every local and remote branch, read in
 * one `git for-each-ref`: the version is found from these and a few ancestry checks, not by
 * walking history.
 */
export async function readRefs(git: Git, tagPrefix: RegExp): Promise<RepositoryRefs> {
  const out = await git.run([
    'for-each-ref',
    '--format=%(refname)%00%(objectname)%00%(*objectname)',
    'refs/tags',
    'refs/heads',
    'refs/remotes'
  ])
  const tags: VersionTag[] = []
  const branches = new Map<string, BranchRef>()
  for (const line of out.split('\n')) {
    if (!line) continue
    const [ref = '', object = '', peeled = ''] = line.split('\0')
    const commit = peeled || object
    if (ref.startsWith('refs/tags/')) {
      const name = ref.slice('refs/tags/'.length)
      const match = tagPrefix.exec(name)
      if (!match || match.index !== 0) continue
      const version = parseVersion(name.slice(match[0].length))
      if (version) tags.push({ name, commit, version })
    } else {
      const name = ref.startsWith('refs/heads/')
        ? ref.slice('refs/heads/'.length)
        : ref.split('/').slice(3).join('/')
      // Local branches win over remote ones of the same name (they are what the user has).
      if (name && name !== 'HEAD' && (!branches.has(name) || ref.startsWith('refs/heads/'))) {
        branches.set(name, { name, commit })
      }
    }
  }
  return { tags, branches: [...branches.values()] }
}
