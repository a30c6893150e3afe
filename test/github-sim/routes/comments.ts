// Issue (and pull request) comments: list with pagination and `since`, create, get, edit, delete.
import {
  GitHubError,
  notFound,
  ok,
  paginate,
  requireInteger,
  type Handler,
  type HandlerContext
} from '../http.js'
import { issueComment } from '../present.js'
import { timestamp, type CommentRecord } from '../state.js'

function findComment(context: HandlerContext): CommentRecord {
  const id = requireInteger(context.params.comment_id, 'issues/comments')
  const comment = context.repository.comments.find(c => c.id === id)
  if (!comment) throw notFound()
  return comment
}

function sinceFilter(context: HandlerContext): (c: CommentRecord) => boolean {
  const since = context.query.get('since')
  if (!since) return () => true
  const at = Date.parse(since)
  if (Number.isNaN(at))
    throw new GitHubError(
      422,
      `Invalid request.\n\n'${since}' is not a valid ISO 8601 timestamp for 'since'.`
    )
  return c => Date.parse(c.updatedAt) >= at
}

const listForIssue: Handler = context => {
  const issue = requireInteger(context.params.issue_number, 'issues')
  const comments = context.repository.comments
    .filter(c => c.issueNumber === issue)
    .filter(sinceFilter(context))
  return paginate(context, comments, c => issueComment(context.urls, context.repository, c))
}

const listForRepo: Handler = context => {
  const comments = context.repository.comments.filter(sinceFilter(context))
  const descending = context.query.get('direction') === 'desc'
  return paginate(context, descending ? [...comments].reverse() : comments, c =>
    issueComment(context.urls, context.repository, c)
  )
}

const create: Handler = context => {
  const issue = requireInteger(context.params.issue_number, 'issues')
  const { body } = context.body as { body: string }
  const now = timestamp()
  const comment = {
    id: context.state.id(),
    issueNumber: issue,
    body,
    user: context.login,
    createdAt: now,
    updatedAt: now
  }
  context.repository.comments.push(comment)
  const presented = issueComment(context.urls, context.repository, comment)
  return ok(presented, 201, { location: String(presented.url) })
}

const get: Handler = context =>
  ok(issueComment(context.urls, context.repository, findComment(context)))

const update: Handler = context => {
  const comment = findComment(context)
  comment.body = (context.body as { body: string }).body
  comment.updatedAt = timestamp()
  return ok(issueComment(context.urls, context.repository, comment))
}

const remove: Handler = context => {
  const comment = findComment(context)
  context.repository.comments.splice(context.repository.comments.indexOf(comment), 1)
  return { status: 204 }
}

export const commentRoutes: Record<string, Handler> = {
  'issues/list-comments': listForIssue,
  'issues/list-comments-for-repo': listForRepo,
  'issues/create-comment': create,
  'issues/get-comment': get,
  'issues/update-comment': update,
  'issues/delete-comment': remove
}
