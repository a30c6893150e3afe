// Endpoints outside GitHub's API, for the demo and for poking at a running simulator:
// `/_sim/*` reads state and injects faults; `/_files/*` serves release asset downloads.
import type { FaultSpec, Faults } from './faults.js'
import type { SimResponse } from './http.js'
import type { CommitSpec, SimulatorState } from './state.js'

const json = (body: unknown, status = 200): SimResponse => ({ status, body })

export function handleAdmin(
  method: string,
  url: URL,
  raw: Buffer,
  state: SimulatorState,
  faults: Faults
): SimResponse {
  let body: Record<string, unknown> = {}
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>
    } catch {
      return json({ message: 'Problems parsing JSON' }, 400)
    }
  }
  const route = `${method} ${url.pathname}`
  switch (route) {
    case 'GET /_sim/state':
      return json(state.snapshot())
    case 'GET /_sim/violations':
      return json(state.violations)
    case 'DELETE /_sim/violations':
      state.clearViolations()
      return { status: 204 }
    case 'GET /_sim/faults':
      return json({ pending: faults.list().map(serialisable), fired: faults.fired })
    case 'POST /_sim/faults': {
      const spec = faultFromJson(body)
      if (typeof spec === 'string') return json({ message: spec }, 422)
      faults.add(spec)
      return json({ pending: faults.list().map(serialisable) }, 201)
    }
    case 'DELETE /_sim/faults':
      faults.clear()
      return { status: 204 }
    case 'POST /_sim/commits': {
      const commits = body.commits
      if (!Array.isArray(commits))
        return json({ message: 'expected {"commits": ["<sha>" | {"sha", "parents"}]}' }, 422)
      try {
        state.addCommits(commits as Array<string | CommitSpec>)
      } catch (e) {
        return json({ message: (e as Error).message }, 422)
      }
      return { status: 204 }
    }
    case 'POST /_sim/refs': {
      const { repo, ref, sha } = body as { repo?: string; ref?: string; sha?: string }
      if (!repo || !ref || !sha)
        return json(
          { message: 'expected {"repo": "owner/name", "ref": "refs/...", "sha": "<sha>"}' },
          422
        )
      try {
        state.setRef(repo, ref, sha)
      } catch (e) {
        return json({ message: (e as Error).message }, 422)
      }
      return { status: 204 }
    }
    default:
      return json({ message: `No admin endpoint ${route}`, endpoints: ADMIN_ENDPOINTS }, 404)
  }
}

const ADMIN_ENDPOINTS = [
  'GET /_sim/state',
  'GET /_sim/violations',
  'DELETE /_sim/violations',
  'GET /_sim/faults',
  'POST /_sim/faults {"status": 502, "times": 2, "path": "/git/refs", "method": "POST"} | {"type": "secondary-rate-limit", "retryAfter": 1} | {"type": "primary-rate-limit", "status": 429} | {"type": "delay", "ms": 2000}; "pathRegex" for a RegExp',
  'DELETE /_sim/faults',
  'POST /_sim/commits {"commits": ["<40-hex sha>"]}',
  'POST /_sim/refs {"repo": "owner/name", "ref": "refs/heads/main", "sha": "<sha>"}'
]

function faultFromJson(body: Record<string, unknown>): FaultSpec | string {
  const { pathRegex, ...rest } = body
  const spec = { ...rest } as Record<string, unknown>
  if (typeof pathRegex === 'string') spec.path = new RegExp(pathRegex)
  if (spec.times === null || spec.times === 'Infinity') spec.times = Infinity
  const type = spec.type ?? 'status'
  if (type === 'status' && ![500, 502, 503, 504].includes(spec.status as number))
    return 'a status fault needs "status": 500, 502, 503 or 504'
  if (type === 'delay' && typeof spec.ms !== 'number') return 'a delay fault needs "ms"'
  if (!['status', 'secondary-rate-limit', 'primary-rate-limit', 'delay'].includes(type as string))
    return `unknown fault type ${String(type)}`
  return spec as unknown as FaultSpec
}

const serialisable = (spec: FaultSpec & { left: number }): unknown => ({
  ...spec,
  path: spec.path instanceof RegExp ? `/${spec.path.source}/${spec.path.flags}` : spec.path,
  left: Number.isFinite(spec.left) ? spec.left : 'Infinity'
})

/** `/_files/{owner}/{repo}/releases/download/{tag}/{name}`: the asset's bytes, like github.com. */
export function handleDownload(url: URL, state: SimulatorState): SimResponse {
  const parts = url.pathname.split('/').slice(2).map(decodeURIComponent)
  const [owner, repo, releases, download, tag, name] = parts
  if (parts.length !== 6 || releases !== 'releases' || download !== 'download')
    return json({ message: 'Not Found' }, 404)
  const release = state.releases(`${owner}/${repo}`).find(r => r.tagName === tag)
  const asset = release?.assets.find(a => a.name === name)
  if (!asset) return json({ message: 'Not Found' }, 404)
  asset.downloadCount++
  return { status: 200, raw: { content: asset.content, contentType: 'application/octet-stream' } }
}
