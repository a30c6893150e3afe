/**
 * One pull-request comment per action, kept up to date: found by a hidden HTML marker, created
 * the first time and edited in place afterwards, so every push updates the same comment instead
 * of adding one. Each action passes its own marker, so several actions can keep a comment each.
 */
import { httpStatus, type GitHubClient } from './client.js'
import { createOnce } from './create-once.js'

export interface StickyCommentOptions {
  owner: string
  repo: string
  issueNumber: number
  /** An HTML comment such as `<!-- mlops-actions:run-model-tests -->`, invisible once rendered. */
  marker: string
  /** The visible Markdown; the marker is added in front of it. */
  body: string
  /**
   * The login of the token's own user (tokenLogin): only its comments are ours. Anyone can post
   * the marker; matching any author would let them take the report over or suppress it.
   */
  author: string
}

export interface StickyCommentResult {
  action: 'created' | 'updated'
  id: number
  url: string
  /** Duplicates (two runs that raced to create it) removed to leave one comment. */
  removed: number[]
}

// GitHub refuses comment bodies over 65536 characters.
export const MAX_COMMENT_LENGTH = 65536

export function markerFor(name: string): string {
  if (!/^[A-Za-z0-9:._/-]+$/.test(name))
    throw new Error(`Not a usable comment marker name: ${name}`)
  return `<!-- ${name} -->`
}

export async function upsertStickyComment(
  github: GitHubClient,
  options: StickyCommentOptions
): Promise<StickyCommentResult> {
  const { owner, repo, issueNumber, marker } = options
  const body = fitComment(`${marker}\n${options.body}`)
  const ours: { id: number }[] = []
  // Oldest first, 100 a page: long discussions span several pages and the marker may be on any.
  for await (const page of github.paginate.iterator(github.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100
  })) {
    for (const comment of page.data)
      if (comment.body?.includes(marker) && sameLogin(comment.user?.login, options.author))
        ours.push({ id: comment.id })
  }

  const [keep, ...duplicates] = ours
  if (!keep) {
    const created = await createOnce(
      async () => {
        const made = await github.rest.issues.createComment({
          owner,
          repo,
          issue_number: issueNumber,
          body,
          request: { retries: 0 }
        })
        return { id: made.data.id, url: made.data.html_url }
      },
      () => findOurs(github, options)
    )
    return { action: 'created', ...created, removed: [] }
  }
  const updated = await github.rest.issues.updateComment({ owner, repo, comment_id: keep.id, body })
  for (const duplicate of duplicates) {
    await github.rest.issues.deleteComment({ owner, repo, comment_id: duplicate.id })
  }
  return {
    action: 'updated',
    id: updated.data.id,
    url: updated.data.html_url,
    removed: duplicates.map(d => d.id)
  }
}

/** Our comment, if a create whose answer was lost went through: the newest with our marker. */
async function findOurs(
  github: GitHubClient,
  options: StickyCommentOptions
): Promise<{ id: number; url: string } | undefined> {
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner: options.owner,
    repo: options.repo,
    issue_number: options.issueNumber,
    per_page: 100
  })
  const found = comments
    .filter(c => c.body?.includes(options.marker) && sameLogin(c.user?.login, options.author))
    .at(-1)
  return found ? { id: found.id, url: found.html_url } : undefined
}

/** The GitHub App bot of GITHUB_TOKEN, which is what GraphQL's viewer names for it. */
export const ACTIONS_BOT = 'github-actions[bot]'

/**
 * Who the token acts as: `GET /user` for a user's token; an installation token (GITHUB_TOKEN, a
 * GitHub App) gets 403 there, and GraphQL's `viewer` names its bot (`github-actions[bot]`).
 */
export async function tokenLogin(github: GitHubClient): Promise<string> {
  try {
    return (await github.rest.users.getAuthenticated()).data.login
  } catch (error) {
    const status = httpStatus(error)
    if (status !== 401 && status !== 403 && status !== 404) throw error
  }
  const answer = await github.graphql<{ viewer: { login: string } }>('query { viewer { login } }')
  return answer.viewer.login
}

function sameLogin(login: string | undefined, author: string): boolean {
  return login !== undefined && login.toLowerCase() === author.toLowerCase()
}

function fitComment(body: string): string {
  if (body.length <= MAX_COMMENT_LENGTH) return body
  const note = '\n\n…(cut to fit a GitHub comment: the job summary has the full report)\n'
  return body.slice(0, MAX_COMMENT_LENGTH - note.length) + note
}
