// State records rendered as the JSON objects api.github.com returns (checked against the
// description by the server, so a field missing here shows up as a response violation).
import { createHash } from 'node:crypto'
import type {
  AssetRecord,
  CheckRunRecord,
  CommentRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  ReleaseRecord,
  RepositoryRecord,
  TagObject
} from './state.js'

const HTML = 'https://github.com'

export class Urls {
  constructor(
    /** The API root, e.g. `http://127.0.0.1:41234`: what GITHUB_API_URL is set to. */
    readonly api: string,
    readonly requestUrl: string
  ) {}

  repo(r: RepositoryRecord): string {
    return `${this.api}/repos/${r.owner}/${r.name}`
  }

  /** Where release assets are uploaded: this server, like uploads.github.com for github.com. */
  uploads(r: RepositoryRecord, releaseId: number): string {
    return `${this.api}/uploads/repos/${r.owner}/${r.name}/releases/${releaseId}/assets`
  }

  download(r: RepositoryRecord, release: ReleaseRecord, asset: AssetRecord): string {
    return `${this.api}/_files/${r.owner}/${r.name}/releases/download/${encodeURIComponent(release.tagName)}/${encodeURIComponent(asset.name)}`
  }
}

const numericId = (text: string): number =>
  parseInt(createHash('sha1').update(text).digest('hex').slice(0, 8), 16)
const nodeId = (kind: string, id: number | string): string =>
  Buffer.from(`${kind}:${id}`).toString('base64')

export function user(urls: Urls, login: string): Record<string, unknown> {
  const api = `${urls.api}/users/${encodeURIComponent(login)}`
  const id = login === 'github-actions[bot]' ? 41898282 : numericId(login)
  return {
    login,
    id,
    node_id: nodeId('User', id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `${HTML}/${encodeURIComponent(login)}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
    user_view_type: 'public',
    site_admin: false
  }
}

export function repository(urls: Urls, r: RepositoryRecord, now: string): Record<string, unknown> {
  const api = urls.repo(r)
  const html = `${HTML}/${r.owner}/${r.name}`
  return {
    id: r.id,
    node_id: nodeId('Repository', r.id),
    name: r.name,
    full_name: `${r.owner}/${r.name}`,
    owner: user(urls, r.owner),
    private: false,
    html_url: html,
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://github.com/${r.owner}/${r.name}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@github.com:${r.owner}/${r.name}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${html}.git`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: html,
    homepage: null,
    language: 'TypeScript',
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: r.defaultBranch,
    open_issues_count: 0,
    open_issues: 0,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'public',
    pushed_at: now,
    created_at: now,
    updated_at: now,
    license: null,
    network_count: 0,
    subscribers_count: 0
  }
}

export function gitRef(
  urls: Urls,
  r: RepositoryRecord,
  ref: string,
  sha: string,
  type: string
): Record<string, unknown> {
  return {
    ref,
    node_id: nodeId('Ref', `${r.id}:${ref}`),
    url: `${urls.repo(r)}/git/${ref}`,
    object: { type, sha, url: `${urls.repo(r)}/git/${type === 'tag' ? 'tags' : 'commits'}/${sha}` }
  }
}

export function gitTag(urls: Urls, r: RepositoryRecord, tag: TagObject): Record<string, unknown> {
  const kind = tag.object.type === 'tag' ? 'tags' : `${tag.object.type}s`
  return {
    node_id: nodeId('Tag', tag.sha),
    tag: tag.tag,
    sha: tag.sha,
    url: `${urls.repo(r)}/git/tags/${tag.sha}`,
    message: tag.message,
    tagger: tag.tagger,
    object: { ...tag.object, url: `${urls.repo(r)}/git/${kind}/${tag.object.sha}` },
    verification: {
      verified: false,
      reason: 'unsigned',
      signature: null,
      payload: null,
      verified_at: null
    }
  }
}

export function deployment(
  urls: Urls,
  r: RepositoryRecord,
  d: DeploymentRecord
): Record<string, unknown> {
  const url = `${urls.repo(r)}/deployments/${d.id}`
  return {
    url,
    id: d.id,
    node_id: nodeId('Deployment', d.id),
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.originalEnvironment,
    environment: d.environment,
    description: d.description,
    creator: user(urls, d.creator),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    statuses_url: `${url}/statuses`,
    repository_url: urls.repo(r),
    transient_environment: d.transientEnvironment,
    production_environment: d.productionEnvironment
  }
}

export function deploymentStatus(
  urls: Urls,
  r: RepositoryRecord,
  d: DeploymentRecord,
  s: DeploymentStatusRecord
): Record<string, unknown> {
  const deploymentUrl = `${urls.repo(r)}/deployments/${d.id}`
  return {
    url: `${deploymentUrl}/statuses/${s.id}`,
    id: s.id,
    node_id: nodeId('DeploymentStatus', s.id),
    state: s.state,
    creator: user(urls, s.creator),
    description: s.description,
    environment: s.environment,
    target_url: s.targetUrl,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    deployment_url: deploymentUrl,
    repository_url: urls.repo(r),
    ...(s.environmentUrl && { environment_url: s.environmentUrl }),
    ...(s.logUrl && { log_url: s.logUrl })
  }
}

export function issueComment(
  urls: Urls,
  r: RepositoryRecord,
  c: CommentRecord
): Record<string, unknown> {
  return {
    id: c.id,
    node_id: nodeId('IssueComment', c.id),
    url: `${urls.repo(r)}/issues/comments/${c.id}`,
    html_url: `${HTML}/${r.owner}/${r.name}/issues/${c.issueNumber}#issuecomment-${c.id}`,
    body: c.body,
    user: user(urls, c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    issue_url: `${urls.repo(r)}/issues/${c.issueNumber}`,
    author_association: 'NONE'
  }
}

export function checkRun(
  urls: Urls,
  r: RepositoryRecord,
  c: CheckRunRecord
): Record<string, unknown> {
  const url = `${urls.repo(r)}/check-runs/${c.id}`
  return {
    id: c.id,
    head_sha: c.headSha,
    node_id: nodeId('CheckRun', c.id),
    external_id: c.externalId,
    url,
    html_url: `${HTML}/${r.owner}/${r.name}/runs/${c.id}`,
    details_url: c.detailsUrl,
    status: c.status,
    conclusion: c.conclusion,
    started_at: c.startedAt,
    completed_at: c.completedAt,
    output: { ...c.output, annotations_count: 0, annotations_url: `${url}/annotations` },
    name: c.name,
    // One suite per run keeps the model small; nothing here reads suites.
    check_suite: { id: c.id },
    app: null,
    pull_requests: []
  }
}

export function releaseAsset(
  urls: Urls,
  r: RepositoryRecord,
  release: ReleaseRecord,
  a: AssetRecord
): Record<string, unknown> {
  return {
    url: `${urls.repo(r)}/releases/assets/${a.id}`,
    browser_download_url: urls.download(r, release, a),
    id: a.id,
    node_id: nodeId('ReleaseAsset', a.id),
    name: a.name,
    label: a.label,
    state: 'uploaded',
    content_type: a.contentType,
    size: a.content.length,
    digest: `sha256:${createHash('sha256').update(a.content).digest('hex')}`,
    download_count: a.downloadCount,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    uploader: user(urls, a.uploader)
  }
}

export function release(
  urls: Urls,
  r: RepositoryRecord,
  rel: ReleaseRecord
): Record<string, unknown> {
  const url = `${urls.repo(r)}/releases/${rel.id}`
  const tag = encodeURIComponent(rel.tagName)
  return {
    url,
    html_url: `${HTML}/${r.owner}/${r.name}/releases/${rel.draft ? `untagged-${rel.id}` : `tag/${tag}`}`,
    assets_url: `${url}/assets`,
    upload_url: `${urls.uploads(r, rel.id)}{?name,label}`,
    tarball_url: rel.draft ? null : `${urls.repo(r)}/tarball/${tag}`,
    zipball_url: rel.draft ? null : `${urls.repo(r)}/zipball/${tag}`,
    id: rel.id,
    node_id: nodeId('Release', rel.id),
    tag_name: rel.tagName,
    target_commitish: rel.targetCommitish,
    name: rel.name,
    body: rel.body,
    draft: rel.draft,
    prerelease: rel.prerelease,
    immutable: false,
    created_at: rel.createdAt,
    published_at: rel.publishedAt,
    updated_at: rel.publishedAt ?? rel.createdAt,
    author: user(urls, rel.author),
    assets: rel.assets.map(a => releaseAsset(urls, r, rel, a))
  }
}
