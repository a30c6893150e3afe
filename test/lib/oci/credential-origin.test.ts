import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { sha256Digest } from '../../../src/lib/oci/digest.js'
import { RegistryClient } from '../../../src/lib/oci/registry-client.js'

// Registry credentials stay with the registry's origin: an upload Location or a Link on another
// host never receives them (two loopback origins, the second recording what it receives), and
// an https registry cannot send the client to http.
interface Seen {
  method: string
  path: string
  headers: IncomingHttpHeaders
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => void

function listen(
  handler: Handler
): Promise<{ server: Server; url: string; host: string; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers })
    req.resume()
    req.on('end', () => handler(req, res, seen))
  })
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({ server, url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, seen })
    })
  )
}

const BASIC = `Basic ${Buffer.from('ci:registry-password').toString('base64')}`

describe('credentials stay with the registry that asked for them', () => {
  let registry: Awaited<ReturnType<typeof listen>>
  let elsewhere: Awaited<ReturnType<typeof listen>>

  beforeAll(async () => {
    elsewhere = await listen((req, res) => {
      if (req.method === 'PUT') {
        res.writeHead(201).end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"tags":["from-elsewhere"]}')
    })
    registry = await listen((req, res) => {
      if (req.headers.authorization !== BASIC) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end()
        return
      }
      const path = req.url ?? ''
      if (req.method === 'HEAD') res.writeHead(404).end()
      else if (req.method === 'POST' && path.includes('/blobs/uploads/'))
        res.writeHead(202, { location: `${elsewhere.url}/upload/1`, 'content-length': '0' }).end()
      else if (req.method === 'GET' && path.includes('/tags/list'))
        res
          .writeHead(200, {
            'content-type': 'application/json',
            link: `<${elsewhere.url}/v2/models/m/tags/list?last=a>; rel="next"`
          })
          .end('{"tags":["from-registry"]}')
      else res.writeHead(404).end()
    })
  })
  afterAll(async () => {
    await new Promise(resolve => registry.server.close(resolve))
    await new Promise(resolve => elsewhere.server.close(resolve))
  })

  const client = () =>
    new RegistryClient({
      registry: registry.host,
      insecure: true,
      credentials: { username: 'ci', password: 'registry-password' },
      retry: { attempts: 1 }
    })

  it('an upload Location on another origin gets the blob, not the credentials', async () => {
    const bytes = Buffer.from('a layer')
    await client().pushBlobBytes('models/m', bytes)
    const put = elsewhere.seen.find(s => s.method === 'PUT')
    expect(put?.path).toBe(`/upload/1?digest=${encodeURIComponent(sha256Digest(bytes))}`)
    expect(elsewhere.seen.every(s => s.headers.authorization === undefined)).toBe(true)
    expect(registry.seen.some(s => s.headers.authorization === BASIC)).toBe(true)
  })

  it('a Link to another origin gets no credentials either', async () => {
    elsewhere.seen.length = 0
    expect(await client().listTags('models/m')).toEqual(['from-registry', 'from-elsewhere'])
    expect(elsewhere.seen).toHaveLength(1)
    expect(elsewhere.seen[0]!.headers.authorization).toBeUndefined()
  })
})

describe('no way out of TLS', () => {
  it('refuses an http:// Location from an https registry before sending anything there', async () => {
    const asked: string[] = []
    const fetchImpl: typeof fetch = async (input, init) => {
      const url = String(input)
      asked.push(`${init?.method ?? 'GET'} ${url}`)
      if (init?.method === 'HEAD') return new Response(null, { status: 404 })
      return new Response(null, {
        status: 202,
        headers: { location: 'http://registry.example/upload/1' }
      })
    }
    const client = new RegistryClient({
      registry: 'registry.example',
      credentials: { username: 'ci', password: 'registry-password' },
      fetch: fetchImpl,
      retry: { attempts: 1 }
    })
    await expect(client.pushBlobBytes('models/m', Buffer.from('x'))).rejects.toThrow(
      'Registry registry.example pointed to http://registry.example/upload/1, which is not https: refusing to leave TLS for it.'
    )
    expect(asked.every(line => line.includes('https://'))).toBe(true)
  })
})
