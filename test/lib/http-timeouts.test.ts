import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createGitHubClient } from '../../src/lib/github/client.js'
import { RegistryClient } from '../../src/lib/oci/registry-client.js'
import { RetryDeadlineError, withRetry } from '../../src/lib/retry.js'

// Every network call is bounded: against loopback servers that accept and never answer, or
// answer and then stall, the registry and GitHub clients fail with a timeout that says so.
let server: Server
let host: string
const sockets = new Set<Socket>()

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.includes('stall')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"tags": [')
      return // ... and never the rest
    }
    // Accepts and never answers.
  })
  server.on('connection', socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise(resolve => server.close(resolve))
})

const timeouts = { headersMs: 300, idleMs: 300 }

test('a registry that never answers fails within the bounds, retried, with the reason', async () => {
  const client = new RegistryClient({
    registry: host,
    insecure: true,
    timeouts,
    retry: { attempts: 2, baseDelayMs: 10 }
  })
  const started = Date.now()
  await expect(client.blobSize('models/m', `sha256:${'a'.repeat(64)}`)).rejects.toThrow(
    /no answer within 300 ms/
  )
  expect(Date.now() - started).toBeLessThan(10_000)
})

test('an answer that stalls mid-body fails with the idle timeout', async () => {
  const client = new RegistryClient({
    registry: host,
    insecure: true,
    timeouts,
    retry: { attempts: 1 }
  })
  await expect(
    client
      .request('GET', '/v2/stall/tags/list', {
        scopes: [],
        accept: [200],
        purpose: 'reading'
      })
      .then(response => response.json())
  ).rejects.toThrow(/stalled for 300 ms/)
})

test('a GitHub API that never answers fails within the bounds', async () => {
  const github = await createGitHubClient({
    token: 'ghs_x',
    baseUrl: `http://${host}`,
    retries: 1,
    timeouts
  })
  const started = Date.now()
  await expect(github.rest.repos.get({ owner: 'acme', repo: 'model' })).rejects.toThrow(
    /no answer within 300 ms/
  )
  expect(Date.now() - started).toBeLessThan(15_000)
})

test('a retry loop stops at its total deadline and says so', async () => {
  let clock = 0
  const attempts: number[] = []
  const failing = withRetry(
    async attempt => {
      attempts.push(attempt)
      clock += 1000
      throw new Error('HTTP 503')
    },
    {
      attempts: 100,
      baseDelayMs: 1000,
      deadlineMs: 10_000,
      now: () => clock,
      sleep: async ms => void (clock += ms),
      random: () => 1
    }
  )
  await expect(failing).rejects.toThrow(RetryDeadlineError)
  await expect(failing).rejects.toThrow(/HTTP 503 \(gave up after \d attempts: the 10 s deadline/)
  expect(attempts.length).toBeLessThan(6)
})
