// An HTTP proxy in front of the real registry that injects the faults registries and networks
// produce: 5xx, 429 with Retry-After, a connection dropped in the middle of an upload body, and
// (optionally) token auth of its own, so the bearer and basic flows are tested end to end.
import { randomBytes } from 'node:crypto'
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse
} from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RequestMatch {
  method?: string
  /** Matched against the path and query. */
  path?: RegExp
}

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Reads this many bytes of the request body, then destroys the socket without answering. */
  | { kind: 'drop'; afterBytes: number }

export interface LoggedRequest {
  method: string
  path: string
  status: number | 'dropped'
  authorization?: string
}

export interface ProxyAuth {
  scheme: 'bearer' | 'basic'
  username: string
  password: string
}

export interface FaultProxy {
  host: string
  url: string
  requests: LoggedRequest[]
  /** Scopes asked of the token endpoint, in order. */
  tokenScopes: string[][]
  /** Bearer tokens the token endpoint issued. */
  issuedTokens: ReadonlySet<string>
  /** Injects `fault` into `times` matching requests, after letting `skip` of them through. */
  inject(match: RequestMatch, fault: Fault, times?: number, skip?: number): void
  clear(): void
  stop(): Promise<void>
}

interface Rule {
  match: RequestMatch
  fault: Fault
  remaining: number
  skip: number
}

export async function startFaultProxy(upstream: string, auth?: ProxyAuth): Promise<FaultProxy> {
  const target = new URL(upstream)
  const rules: Rule[] = []
  const requests: LoggedRequest[] = []
  const tokenScopes: string[][] = []
  const tokens = new Set<string>()
  let self = ''

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET'
    const path = req.url ?? '/'
    const log = (status: LoggedRequest['status']) =>
      requests.push({
        method,
        path,
        status,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {})
      })

    if (auth && path.startsWith('/token')) return issueToken(req, res, log)
    if (auth && !authorised(req.headers.authorization)) {
      const repo = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(path)?.[1]
      const challenge =
        auth.scheme === 'basic'
          ? 'Basic realm="fault-proxy"'
          : `Bearer realm="${self}/token",service="fault-proxy"${repo ? `,scope="repository:${repo}:pull,push"` : ''}`
      res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' })
      res.end(
        JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] })
      )
      return log(401)
    }

    const rule = rules.find(
      r =>
        r.remaining > 0 &&
        (!r.match.method || r.match.method === method) &&
        (!r.match.path || r.match.path.test(path))
    )
    if (rule && rule.skip > 0) rule.skip--
    else if (rule) {
      rule.remaining--
      if (rule.fault.kind === 'status') {
        req.resume()
        res.writeHead(rule.fault.status, {
          'content-type': 'application/json',
          ...(rule.fault.retryAfter ? { 'retry-after': rule.fault.retryAfter } : {})
        })
        res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'injected fault' }] }))
        return log(rule.fault.status)
      }
      const limit = rule.fault.afterBytes
      let seen = 0
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length
        if (seen >= limit) req.socket.destroy()
      })
      req.on('end', () => req.socket.destroy())
      return log('dropped')
    }

    const headers = { ...req.headers, host: req.headers.host ?? target.host }
    delete headers.authorization
    const forward = httpRequest(
      { hostname: target.hostname, port: target.port, method, path, headers },
      upstreamResponse => {
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers)
        upstreamResponse.pipe(res)
        log(upstreamResponse.statusCode ?? 502)
      }
    )
    forward.on('error', () => res.destroy())
    req.pipe(forward)
  }

  const authorised = (header: string | undefined): boolean => {
    if (!auth || !header) return false
    if (auth.scheme === 'basic') return header === basic(auth.username, auth.password)
    return header.startsWith('Bearer ') && tokens.has(header.slice(7))
  }

  const issueToken = (req: IncomingMessage, res: ServerResponse, log: (status: number) => void) => {
    const url = new URL(req.url ?? '/', self)
    tokenScopes.push(url.searchParams.getAll('scope'))
    if (req.headers.authorization !== basic(auth!.username, auth!.password)) {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }))
      return log(401)
    }
    const token = randomBytes(16).toString('hex')
    tokens.add(token)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ token, expires_in: 300 }))
    log(200)
  }

  const server: Server = createServer(handle)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  self = `http://127.0.0.1:${port}`
  return {
    host: `127.0.0.1:${port}`,
    url: self,
    requests,
    tokenScopes,
    issuedTokens: tokens,
    inject: (match, fault, times = 1, skip = 0) =>
      rules.push({ match, fault, remaining: times, skip }),
    clear: () => {
      rules.length = 0
      requests.length = 0
      tokenScopes.length = 0
    },
    stop: () =>
      new Promise(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
}
