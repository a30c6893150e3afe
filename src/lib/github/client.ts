import type { Octokit } from '@octokit/rest'
import { UserError } from '../errors.js'
import { DEFAULT_HTTP_TIMEOUTS, fetchWithTimeouts, type HttpTimeouts } from '../http-timeouts.js'

export type GitHubClient = Octokit

export interface GitHubClientOptions {
  token: string
  /** `GITHUB_API_URL`: api.github.com, a GitHub Enterprise Server, or a local simulator. */
  baseUrl: string
  log?: { warning(message: string): void; debug?(message: string): void }
  /** Retries of 5xx and rate-limited requests before giving up. */
  retries?: number
  /** Per-request bounds (http-timeouts.ts): GitHub calls never wait undici's 300 s. */
  timeouts?: HttpTimeouts
}

/**
 * The one GitHub client: Octokit with the retry plugin (5xx, network errors) and the throttling
 * plugin (primary and secondary rate limits, honouring retry-after), both bounded. Octokit is
 * imported here, on first use, so actions that never call GitHub do not pay for loading it.
 */
export async function createGitHubClient(options: GitHubClientOptions): Promise<GitHubClient> {
  if (!options.token)
    throw new UserError(
      'A GitHub token is needed for this step: pass `github-token` (the default `${{ github.token }}` works).'
    )
  const [{ Octokit }, { retry }, { throttling }] = await Promise.all([
    import('@octokit/rest'),
    import('@octokit/plugin-retry'),
    import('@octokit/plugin-throttling')
  ])
  const retries = options.retries ?? 3
  const log = options.log
  const Client = Octokit.plugin(retry, throttling)
  // Both kinds of rate limit: say so, and wait as GitHub asks, a bounded number of times.
  const retryWhileBounded =
    (kind: string) =>
    (retryAfter: number, req: { method: string; url: string }, _o: unknown, count: number) => {
      log?.warning(
        `GitHub ${kind} on ${req.method} ${req.url}; retry ${count + 1}/${retries} in ${retryAfter} s`
      )
      return count < retries
    }
  return new Client({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: 'mlops-actions',
    // A bounded wait per request; the retry plugin's bounded count makes the whole loop bounded.
    request: { fetch: fetchWithTimeouts(fetch, options.timeouts ?? DEFAULT_HTTP_TIMEOUTS) },
    // The retry plugin's own option: a `request.retries` default would also make it retry 404s.
    // 429 is left to the throttling plugin, which honours x-ratelimit-reset and retry-after.
    retry: { retries, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    log: {
      debug: (m: string) => log?.debug?.(m),
      info: (m: string) => log?.debug?.(m),
      warn: (m: string) => log?.warning(m),
      error: (m: string) => log?.warning(m)
    },
    throttle: {
      onRateLimit: retryWhileBounded('rate limit'),
      onSecondaryRateLimit: retryWhileBounded('secondary rate limit')
    }
  }) as unknown as GitHubClient
}

/** The HTTP status of an Octokit error, or undefined for other errors. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}
