// Git references and annotated tag objects, with the answers GitHub gives for duplicates,
// unknown objects and non-fast-forward updates.
import { GitHubError, notFound, ok, type Handler, type HandlerContext } from '../http.js'
import { gitRef, gitTag, user } from '../present.js'
import { timestamp } from '../state.js'

function presentRef(context: HandlerContext, ref: string): Record<string, unknown> {
  const sha = context.repository.refs.get(ref) as string
  return gitRef(
    context.urls,
    context.repository,
    ref,
    sha,
    context.state.objectType(sha) ?? 'commit'
  )
}

/** A ref from the path: GitHub takes `heads/main` and `tags/v1` (without `refs/`). */
const fullRef = (ref: string): string => (ref.startsWith('refs/') ? ref : `refs/${ref}`)

const getRef: Handler = context => {
  const ref = fullRef(context.params.ref ?? '')
  if (!context.repository.refs.has(ref)) throw notFound()
  return ok(presentRef(context, ref))
}

const listMatchingRefs: Handler = context => {
  const prefix = fullRef(context.params.ref ?? '')
  const refs = [...context.repository.refs.keys()].filter(r => r.startsWith(prefix)).sort()
  return ok(refs.map(r => presentRef(context, r)))
}

const createRef: Handler = context => {
  const { ref, sha } = context.body as { ref: string; sha: string }
  if (!ref.startsWith('refs/') || ref.split('/').length < 3) {
    throw new GitHubError(
      422,
      "Reference name is invalid: it must start with 'refs' and have at least two slashes"
    )
  }
  if (context.repository.refs.has(ref)) throw new GitHubError(422, 'Reference already exists')
  if (!context.state.objectType(sha)) throw new GitHubError(422, 'Object does not exist')
  context.repository.refs.set(ref, sha)
  return ok(presentRef(context, ref), 201, {
    location: `${context.urls.repo(context.repository)}/git/${ref}`
  })
}

const updateRef: Handler = context => {
  const ref = fullRef(context.params.ref ?? '')
  const { sha, force = false } = context.body as { sha: string; force?: boolean }
  const current = context.repository.refs.get(ref)
  if (current === undefined) throw new GitHubError(422, 'Reference does not exist')
  if (!context.state.objectType(sha)) throw new GitHubError(422, 'Object does not exist')
  if (!force && current !== sha && !context.state.isAncestor(current, sha)) {
    throw new GitHubError(422, 'Update is not a fast forward')
  }
  context.repository.refs.set(ref, sha)
  return ok(presentRef(context, ref))
}

const deleteRef: Handler = context => {
  const ref = fullRef(context.params.ref ?? '')
  if (!context.repository.refs.delete(ref)) throw new GitHubError(422, 'Reference does not exist')
  return { status: 204 }
}

const createTag: Handler = context => {
  const body = context.body as {
    tag: string
    message: string
    object: string
    type: 'commit' | 'tree' | 'blob'
    tagger?: { name?: string; email?: string; date?: string }
  }
  const objectType = context.state.objectType(body.object)
  if (!objectType) throw new GitHubError(422, 'Object does not exist')
  if (objectType !== body.type)
    throw new GitHubError(422, `Object is a ${objectType}, not a ${body.type}`)
  // Without a tagger GitHub records the token's user, dated now.
  const login = user(context.urls, context.login)
  const tag = context.state.createTagObject({
    tag: body.tag,
    message: body.message,
    object: { sha: body.object, type: body.type },
    tagger: {
      name: body.tagger?.name ?? context.login,
      email: body.tagger?.email ?? `${String(login.id)}+${context.login}@users.noreply.github.com`,
      date: body.tagger?.date ? timestamp(new Date(body.tagger.date)) : timestamp()
    }
  })
  return ok(gitTag(context.urls, context.repository, tag), 201, {
    location: `${context.urls.repo(context.repository)}/git/tags/${tag.sha}`
  })
}

const getTag: Handler = context => {
  const tag = context.state.tagObject(context.params.tag_sha ?? '')
  if (!tag) throw notFound()
  return ok(gitTag(context.urls, context.repository, tag))
}

export const gitRoutes: Record<string, Handler> = {
  'git/get-ref': getRef,
  'git/list-matching-refs': listMatchingRefs,
  'git/create-ref': createRef,
  'git/update-ref': updateRef,
  'git/delete-ref': deleteRef,
  'git/create-tag': createTag,
  'git/get-tag': getTag
}
