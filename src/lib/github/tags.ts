import { UserError } from '../errors.js'
import { httpStatus, type GitHubClient } from './client.js'

export interface TagRequest {
  owner: string
  repo: string
  tag: string
  sha: string
  message: string
}

export type TagOutcome = 'created' | 'exists'

/**
 * Creates an annotated tag through the API (a tag object, then the ref). Idempotent: a tag that
 * already names this commit is left as it is; one that names another commit is an error. When two
 * runs race, one ref creation wins and the other sees 422, re-reads and ends as "exists".
 */
export async function createAnnotatedTag(
  github: GitHubClient,
  request: TagRequest
): Promise<TagOutcome> {
  const { owner, repo, tag, sha } = request
  const current = await taggedCommit(github, owner, repo, tag)
  if (current !== undefined) return sameCommit(tag, current, sha)
  const object = await github.rest.git.createTag({
    owner,
    repo,
    tag,
    message: request.message,
    object: sha,
    type: 'commit'
  })
  try {
    await github.rest.git.createRef({ owner, repo, ref: `refs/tags/${tag}`, sha: object.data.sha })
    return 'created'
  } catch (error) {
    if (httpStatus(error) !== 422) throw error
    const raced = await taggedCommit(github, owner, repo, tag)
    if (raced === undefined) throw error
    return sameCommit(tag, raced, sha)
  }
}

function sameCommit(tag: string, current: string, wanted: string): TagOutcome {
  if (current === wanted) return 'exists'
  throw new UserError(
    `Tag ${tag} already exists and points to ${current.slice(0, 12)}, not to this commit ${wanted.slice(0, 12)}. Tags are never moved: bump the version instead.`
  )
}

/** The commit a tag names (through an annotated tag object if there is one), or undefined. */
async function taggedCommit(
  github: GitHubClient,
  owner: string,
  repo: string,
  tag: string
): Promise<string | undefined> {
  try {
    const ref = await github.rest.git.getRef({ owner, repo, ref: `tags/${tag}` })
    if (ref.data.object.type !== 'tag') return ref.data.object.sha
    const object = await github.rest.git.getTag({ owner, repo, tag_sha: ref.data.object.sha })
    return object.data.object.sha
  } catch (error) {
    if (httpStatus(error) === 404) return undefined
    throw error
  }
}
