// The simulator's memory: what GitHub would have stored after the requests it has answered.
// Plain data, no HTTP: route handlers change it, tests read it back and seed it.
import { createHash } from 'node:crypto'

export interface CommitSpec {
  sha: string
  /** Parents let the simulator decide fast-forwards (PATCH ref without `force`). */
  parents?: string[]
}

export interface TagObject {
  sha: string
  tag: string
  message: string
  object: { sha: string; type: string }
  tagger: { name: string; email: string; date: string }
}

export interface DeploymentStatusRecord {
  id: number
  state: string
  description: string
  environment: string
  targetUrl: string
  logUrl: string
  environmentUrl: string
  creator: string
  createdAt: string
  updatedAt: string
}

export interface DeploymentRecord {
  id: number
  sha: string
  ref: string
  task: string
  environment: string
  originalEnvironment: string
  description: string | null
  payload: Record<string, unknown> | string
  transientEnvironment: boolean
  productionEnvironment: boolean
  autoMerge: boolean
  requiredContexts: string[] | undefined
  creator: string
  createdAt: string
  updatedAt: string
  /** Oldest first. */
  statuses: DeploymentStatusRecord[]
}

export interface CommentRecord {
  id: number
  issueNumber: number
  body: string
  user: string
  createdAt: string
  updatedAt: string
}

export interface CheckRunRecord {
  id: number
  name: string
  headSha: string
  status: string
  conclusion: string | null
  detailsUrl: string | null
  externalId: string | null
  startedAt: string | null
  completedAt: string | null
  output: { title: string | null; summary: string | null; text: string | null }
}

export interface AssetRecord {
  id: number
  name: string
  label: string | null
  contentType: string
  content: Buffer
  uploader: string
  downloadCount: number
  createdAt: string
  updatedAt: string
}

export interface ReleaseRecord {
  id: number
  tagName: string
  targetCommitish: string
  name: string | null
  body: string | null
  draft: boolean
  prerelease: boolean
  author: string
  createdAt: string
  publishedAt: string | null
  assets: AssetRecord[]
}

export interface RepositoryRecord {
  id: number
  owner: string
  name: string
  defaultBranch: string
  /** Full ref name (`refs/tags/v1.0.0`) to the object it points at. */
  refs: Map<string, string>
  deployments: DeploymentRecord[]
  comments: CommentRecord[]
  checkRuns: CheckRunRecord[]
  releases: ReleaseRecord[]
}

export interface RequestRecord {
  method: string
  path: string
  operationId: string | undefined
  status: number
  /** The token the request carried, if any. */
  token: string | undefined
  /** Date.now() on arrival: lets a test see a client waited as told (retry-after). */
  receivedAt: number
  fault?: string
}

export interface Violation {
  /** `request`: the client sent what GitHub's description forbids; `response`: a simulator bug. */
  kind: 'request' | 'response' | 'unsimulated'
  method: string
  path: string
  operationId: string | undefined
  problems: string[]
}

export const timestamp = (date = new Date()): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z')

export class SimulatorState {
  readonly repositories = new Map<string, RepositoryRecord>()
  readonly requests: RequestRecord[] = []
  readonly violations: Violation[] = []
  private readonly commits = new Map<string, string[]>()
  private readonly tagObjects = new Map<string, TagObject>()
  private nextId = 1000

  constructor(private readonly acceptAnySha: boolean) {}

  /** Tokens seen on requests, in order of first use. */
  get tokens(): string[] {
    return [...new Set(this.requests.map(r => r.token).filter((t): t is string => t !== undefined))]
  }

  /** Commits GitHub would know about; refs, deployments and check runs may only name these. */
  addCommits(commits: Array<string | CommitSpec>): void {
    for (const commit of commits) {
      const spec = typeof commit === 'string' ? { sha: commit } : commit
      if (!/^[0-9a-f]{40}$/.test(spec.sha)) throw new Error(`Not a full commit SHA: ${spec.sha}`)
      this.commits.set(spec.sha, spec.parents ?? this.commits.get(spec.sha) ?? [])
    }
  }

  hasCommit(sha: string): boolean {
    return this.commits.has(sha) || (this.acceptAnySha && /^[0-9a-f]{40}$/.test(sha))
  }

  /** The git object type of a SHA, or undefined when GitHub would not know it. */
  objectType(sha: string): 'commit' | 'tag' | undefined {
    if (this.tagObjects.has(sha)) return 'tag'
    return this.hasCommit(sha) ? 'commit' : undefined
  }

  /** Whether `descendant` has `ancestor` in its history, as far as the known parents tell. */
  isAncestor(ancestor: string, descendant: string): boolean {
    const seen = new Set<string>()
    const queue = [descendant]
    while (queue.length > 0) {
      const sha = queue.pop() as string
      if (sha === ancestor) return true
      if (seen.has(sha)) continue
      seen.add(sha)
      queue.push(...(this.commits.get(sha) ?? []))
    }
    return false
  }

  repository(fullName: string): RepositoryRecord {
    const key = fullName.toLowerCase()
    let repository = this.repositories.get(key)
    if (!repository) {
      const [owner = '', name = ''] = fullName.split('/')
      repository = {
        id: this.id(),
        owner,
        name,
        defaultBranch: 'main',
        refs: new Map(),
        deployments: [],
        comments: [],
        checkRuns: [],
        releases: []
      }
      this.repositories.set(key, repository)
    }
    return repository
  }

  /** Points a ref (`refs/heads/main`, `refs/tags/v1`) at a commit, registering the commit. */
  setRef(fullName: string, ref: string, sha: string): void {
    if (!ref.startsWith('refs/')) throw new Error(`A full ref name starts with refs/: ${ref}`)
    if (!this.tagObjects.has(sha)) this.addCommits([sha])
    this.repository(fullName).refs.set(ref, sha)
  }

  ref(fullName: string, ref: string): string | undefined {
    return this.repository(fullName).refs.get(ref)
  }

  refs(fullName: string): Array<{ ref: string; sha: string }> {
    return [...this.repository(fullName).refs]
      .map(([ref, sha]) => ({ ref, sha }))
      .sort((a, b) => a.ref.localeCompare(b.ref))
  }

  tagObject(sha: string): TagObject | undefined {
    return this.tagObjects.get(sha)
  }

  /** Stores an annotated tag object under the SHA-1 git itself would give it. */
  createTagObject(input: Omit<TagObject, 'sha'>): TagObject {
    const seconds = Math.floor(Date.parse(input.tagger.date) / 1000)
    const text =
      `object ${input.object.sha}\ntype ${input.object.type}\ntag ${input.tag}\n` +
      `tagger ${input.tagger.name} <${input.tagger.email}> ${seconds} +0000\n\n${input.message}`
    const body = Buffer.from(text)
    const sha = createHash('sha1').update(`tag ${body.length}\0`).update(body).digest('hex')
    const tag = { sha, ...input }
    this.tagObjects.set(sha, tag)
    return tag
  }

  /** The commit a ref, tag name or SHA resolves to, peeling annotated tags. */
  resolveCommit(fullName: string, refOrSha: string): string | undefined {
    const repository = this.repository(fullName)
    const candidates = [
      refOrSha,
      `refs/heads/${refOrSha}`,
      `refs/tags/${refOrSha}`,
      `refs/${refOrSha}`
    ]
    let sha = candidates.map(c => repository.refs.get(c)).find(Boolean)
    if (!sha && this.objectType(refOrSha)) sha = refOrSha
    while (sha && this.tagObjects.has(sha)) sha = this.tagObjects.get(sha)?.object.sha
    return sha && this.hasCommit(sha) ? sha : undefined
  }

  deployments(fullName: string): DeploymentRecord[] {
    return this.repository(fullName).deployments
  }

  comments(fullName: string, issueNumber?: number): CommentRecord[] {
    const all = this.repository(fullName).comments
    return issueNumber === undefined ? all : all.filter(c => c.issueNumber === issueNumber)
  }

  /** Seeds a comment as if someone had posted it (no request recorded). */
  addComment(fullName: string, issueNumber: number, body: string, user = 'octocat'): CommentRecord {
    const now = timestamp()
    const comment = { id: this.id(), issueNumber, body, user, createdAt: now, updatedAt: now }
    this.repository(fullName).comments.push(comment)
    return comment
  }

  checkRuns(fullName: string): CheckRunRecord[] {
    return this.repository(fullName).checkRuns
  }

  releases(fullName: string): ReleaseRecord[] {
    return this.repository(fullName).releases
  }

  clearViolations(): void {
    this.violations.length = 0
  }

  id(): number {
    return this.nextId++
  }

  /** A JSON-friendly copy for the admin endpoint and for debugging output. */
  snapshot(): unknown {
    return {
      repositories: [...this.repositories.values()].map(r => ({
        fullName: `${r.owner}/${r.name}`,
        defaultBranch: r.defaultBranch,
        refs: Object.fromEntries(r.refs),
        deployments: r.deployments,
        comments: r.comments,
        checkRuns: r.checkRuns,
        releases: r.releases.map(release => ({
          ...release,
          assets: release.assets.map(({ content, ...asset }) => ({
            ...asset,
            size: content.length
          }))
        }))
      })),
      tagObjects: [...this.tagObjects.values()],
      commits: [...this.commits.keys()],
      tokens: this.tokens,
      violations: this.violations,
      requests: this.requests
    }
  }
}
