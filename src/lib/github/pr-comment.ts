/**
 * One pull-request comment per action, kept up to date: found by a hidden HTML marker, created
 * the first time and edited in place afterwards, so every push updates the same comment instead
 * of adding one. Each action passes its own marker, so several actions can keep a comment each.
 */
import type { GitHubClient } from './client.js'

export interface StickyCommentOptions {
  owner: string
  repo: string
  issueNumber: number
  /** An HTML comment such as `<!-- mlops-actions:run-model-tests -->`, invisible once rendered. */
  marker: string
  /** The visible Markdown; the marker is added in front of it. */
  body: string
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
      if (comment.body?.includes(marker)) ours.push({ id: comment.id })
  }

  const [keep, ...duplicates] = ours
  if (!keep) {
    const created = await github.rest.issues.createComment({
      owner,
      repo,
      issue_number: issueNumber,
      body
    })
    return { action: 'created', id: created.data.id, url: created.data.html_url, removed: [] }
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

function fitComment(body: string): string {
  if (body.length <= MAX_COMMENT_LENGTH) return body
  const note = '\n\n…(cut to fit a GitHub comment: the job summary has the full report)\n'
  return body.slice(0, MAX_COMMENT_LENGTH - note.length) + note
}
