// Releases and their assets. Publishing a release for a missing tag creates the tag, as GitHub
// does; assets are uploaded to this server's `uploads` URL and downloaded back from it.
import {
  GitHubError,
  notFound,
  ok,
  paginate,
  requireInteger,
  validationFailed,
  type Handler,
  type HandlerContext
} from '../http.js'
import { release, releaseAsset } from '../present.js'
import { timestamp, type AssetRecord, type ReleaseRecord } from '../state.js'

interface ReleaseBody {
  tag_name?: string
  target_commitish?: string
  name?: string
  body?: string
  draft?: boolean
  prerelease?: boolean
}

function findRelease(context: HandlerContext): ReleaseRecord {
  const id = requireInteger(context.params.release_id, 'releases')
  const found = context.repository.releases.find(r => r.id === id)
  if (!found) throw notFound()
  return found
}

function findAsset(context: HandlerContext): { owner: ReleaseRecord; asset: AssetRecord } {
  const id = requireInteger(context.params.asset_id, 'releases/assets')
  for (const owner of context.repository.releases) {
    const asset = owner.assets.find(a => a.id === id)
    if (asset) return { owner, asset }
  }
  throw notFound()
}

const present = (context: HandlerContext, r: ReleaseRecord): Record<string, unknown> =>
  release(context.urls, context.repository, r)

/** Creates `refs/tags/<tag>` at the target when a published release names a tag that is missing. */
function ensureTag(context: HandlerContext, r: ReleaseRecord): void {
  const ref = `refs/tags/${r.tagName}`
  if (r.draft || context.repository.refs.has(ref)) return
  const sha = context.state.resolveCommit(context.fullName, r.targetCommitish)
  if (!sha) throw validationFailed('Release', 'target_commitish', 'invalid')
  context.repository.refs.set(ref, sha)
}

const create: Handler = context => {
  const body = context.body as ReleaseBody & { tag_name: string }
  if (context.repository.releases.some(r => r.tagName === body.tag_name))
    throw validationFailed('Release', 'tag_name', 'already_exists')
  const now = timestamp()
  const draft = body.draft ?? false
  const record: ReleaseRecord = {
    id: context.state.id(),
    tagName: body.tag_name,
    targetCommitish: body.target_commitish ?? context.repository.defaultBranch,
    name: body.name ?? body.tag_name,
    body: body.body ?? '',
    draft,
    prerelease: body.prerelease ?? false,
    author: context.login,
    createdAt: now,
    publishedAt: draft ? null : now,
    assets: []
  }
  ensureTag(context, record)
  context.repository.releases.push(record)
  const presented = present(context, record)
  return ok(presented, 201, { location: String(presented.url) })
}

const list: Handler = context => {
  const newestFirst = [...context.repository.releases].sort((a, b) => b.id - a.id)
  return paginate(context, newestFirst, r => present(context, r))
}

const get: Handler = context => ok(present(context, findRelease(context)))

const getByTag: Handler = context => {
  // Drafts have no tag yet as far as this endpoint is concerned.
  const found = context.repository.releases.find(r => r.tagName === context.params.tag && !r.draft)
  if (!found) throw notFound()
  return ok(present(context, found))
}

const getLatest: Handler = context => {
  const published = context.repository.releases.filter(r => !r.draft && !r.prerelease)
  const latest = published.sort(
    (a, b) => (b.publishedAt ?? '').localeCompare(a.publishedAt ?? '') || b.id - a.id
  )[0]
  if (!latest) throw notFound()
  return ok(present(context, latest))
}

const update: Handler = context => {
  const record = findRelease(context)
  const body = context.body as ReleaseBody
  if (body.tag_name !== undefined && body.tag_name !== record.tagName) {
    if (context.repository.releases.some(r => r.tagName === body.tag_name))
      throw validationFailed('Release', 'tag_name', 'already_exists')
  }
  const next: ReleaseRecord = {
    ...record,
    tagName: body.tag_name ?? record.tagName,
    targetCommitish: body.target_commitish ?? record.targetCommitish,
    name: body.name ?? record.name,
    body: body.body ?? record.body,
    draft: body.draft ?? record.draft,
    prerelease: body.prerelease ?? record.prerelease
  }
  if (record.draft && !next.draft) next.publishedAt = timestamp()
  ensureTag(context, next)
  Object.assign(record, next)
  return ok(present(context, record))
}

const remove: Handler = context => {
  const record = findRelease(context)
  context.repository.releases.splice(context.repository.releases.indexOf(record), 1)
  return { status: 204 }
}

const listAssets: Handler = context => {
  const record = findRelease(context)
  return paginate(context, record.assets, a =>
    releaseAsset(context.urls, context.repository, record, a)
  )
}

const uploadAsset: Handler = context => {
  const record = findRelease(context)
  const name = context.query.get('name') ?? ''
  if (record.assets.some(a => a.name === name))
    throw validationFailed('ReleaseAsset', 'name', 'already_exists')
  const contentType = String(context.headers['content-type'] ?? '')
  if (!contentType) throw new GitHubError(400, 'Bad Content-Type header value')
  const now = timestamp()
  const asset: AssetRecord = {
    id: context.state.id(),
    name,
    label: context.query.get('label') || null,
    contentType,
    content: Buffer.isBuffer(context.body) ? context.body : Buffer.alloc(0),
    uploader: context.login,
    downloadCount: 0,
    createdAt: now,
    updatedAt: now
  }
  record.assets.push(asset)
  return ok(releaseAsset(context.urls, context.repository, record, asset), 201)
}

const getAsset: Handler = context => {
  const { owner, asset } = findAsset(context)
  const accept = String(context.headers.accept ?? '')
  // Like GitHub: the bytes are behind a redirect, the JSON describes the asset.
  if (accept.includes('application/octet-stream')) {
    return {
      status: 302,
      headers: { location: context.urls.download(context.repository, owner, asset) }
    }
  }
  return ok(releaseAsset(context.urls, context.repository, owner, asset))
}

const deleteAsset: Handler = context => {
  const { owner, asset } = findAsset(context)
  owner.assets.splice(owner.assets.indexOf(asset), 1)
  return { status: 204 }
}

export const releaseRoutes: Record<string, Handler> = {
  'repos/create-release': create,
  'repos/list-releases': list,
  'repos/get-release': get,
  'repos/get-release-by-tag': getByTag,
  'repos/get-latest-release': getLatest,
  'repos/update-release': update,
  'repos/delete-release': remove,
  'repos/list-release-assets': listAssets,
  'repos/upload-release-asset': uploadAsset,
  'repos/get-release-asset': getAsset,
  'repos/delete-release-asset': deleteAsset
}
