// What a route handler receives and returns, GitHub's error bodies, and Link-header pagination.
import type { RepositoryRecord, SimulatorState } from './state.js'
import type { Urls } from './present.js'

export interface HandlerContext {
  state: SimulatorState
  urls: Urls
  params: Record<string, string>
  query: URLSearchParams
  /** Parsed JSON for JSON requests, the raw bytes for uploads. */
  body: unknown
  headers: Record<string, string | string[] | undefined>
  /** `owner/repo` of the request path, when it has one. */
  fullName: string
  repository: RepositoryRecord
  /** Login of the token's user: the author of what this request creates. */
  login: string
}

export interface SimResponse {
  status: number
  body?: unknown
  headers?: Record<string, string>
  /** Sent as-is (asset downloads); never validated as JSON. */
  raw?: { content: Buffer; contentType: string }
}

export type Handler = (context: HandlerContext) => SimResponse | Promise<SimResponse>

const DOCS = 'https://docs.github.com/rest'

/** An error answered the way GitHub answers it: status, message, documentation_url. */
export class GitHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Array<Record<string, string>>,
    readonly documentationUrl = DOCS
  ) {
    super(message)
  }

  toBody(): Record<string, unknown> {
    return {
      message: this.message,
      ...(this.errors && { errors: this.errors }),
      documentation_url: this.documentationUrl,
      status: String(this.status)
    }
  }
}

export const notFound = (): GitHubError => new GitHubError(404, 'Not Found')

/** GitHub's 422 for a resource field, e.g. a release whose tag_name already has one. */
export const validationFailed = (resource: string, field: string, code: string): GitHubError =>
  new GitHubError(422, 'Validation Failed', [{ resource, code, field }])

export const ok = (body: unknown, status = 200, headers?: Record<string, string>): SimResponse => ({
  status,
  body,
  ...(headers && { headers })
})

/** One page of `items` with GitHub's `Link` header (`per_page` up to 100, default 30). */
export function paginate<T>(
  context: HandlerContext,
  items: T[],
  present: (item: T) => unknown
): SimResponse {
  const perPage = Math.min(100, Math.max(1, Number(context.query.get('per_page') ?? 30) || 30))
  const page = Math.max(1, Number(context.query.get('page') ?? 1) || 1)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const slice = items.slice((page - 1) * perPage, page * perPage)
  const link = (target: number, rel: string): string => {
    const url = new URL(context.urls.requestUrl)
    url.searchParams.set('per_page', String(perPage))
    url.searchParams.set('page', String(target))
    return `<${url.toString()}>; rel="${rel}"`
  }
  const links: string[] = []
  if (page > 1) links.push(link(page - 1, 'prev'))
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
  if (page > 1) links.push(link(1, 'first'))
  return ok(slice.map(present), 200, links.length > 0 ? { link: links.join(', ') } : undefined)
}

export function requireInteger(text: string | undefined, what: string): number {
  if (!text || !/^\d+$/.test(text))
    throw new GitHubError(404, 'Not Found', undefined, `${DOCS}#${what}`)
  return Number(text)
}
