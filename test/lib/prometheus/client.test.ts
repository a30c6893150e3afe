import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  parsePrometheusUrl,
  PrometheusClient,
  PrometheusError
} from '../../../src/lib/prometheus/client.js'
import { InputError } from '../../../src/lib/errors.js'

interface Received {
  method: string
  path: string
  headers: IncomingMessage['headers']
  form: Record<string, string>
}

/** A loopback HTTP server whose answers the test scripts, one handler per request in order. */
async function scriptedServer(handlers: ((res: ServerResponse, req: Received) => void)[]) {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', chunk => (body += chunk))
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        form: Object.fromEntries(new URLSearchParams(body))
      }
      received.push(entry)
      const handler = handlers[Math.min(received.length - 1, handlers.length - 1)]!
      handler(res, entry)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    received,
    url: new URL(`http://127.0.0.1:${port}/`),
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }

const noWait = { sleep: async () => {}, random: () => 0.5 }

describe('PrometheusClient', () => {
  let server: Awaited<ReturnType<typeof scriptedServer>> | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('posts an instant query with its time, a timeout and the bearer token, and reads NaN and infinities', async () => {
    server = await scriptedServer([
      json(200, {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            { metric: { track: 'canary' }, value: [1767268800, '0.25'] },
            { metric: { track: 'a' }, value: [1767268800, 'NaN'] },
            { metric: { track: 'b' }, value: [1767268800, '+Inf'] },
            { metric: { track: 'c' }, value: [1767268800, '-Inf'] }
          ]
        },
        warnings: ['something odd']
      })
    ])
    const client = new PrometheusClient({
      url: new URL('/prom/', server.url),
      token: 's3cret',
      timeoutMs: 5000
    })
    const result = await client.query('up{ track="canary" }', new Date(Date.UTC(2026, 0, 1, 12)))
    expect(result.resultType).toBe('vector')
    expect(result.samples.map(s => s.value)).toEqual([0.25, NaN, Infinity, -Infinity])
    expect(result.samples[0]).toEqual({
      labels: { track: 'canary' },
      time: 1767268800,
      value: 0.25
    })
    expect(result.warnings).toEqual(['something odd'])
    const [request] = server.received
    expect(request!.method).toBe('POST')
    expect(request!.path).toBe('/prom/api/v1/query')
    expect(request!.headers.authorization).toBe('Bearer s3cret')
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request!.form).toEqual({
      query: 'up{ track="canary" }',
      time: '1767268800.000',
      timeout: '5s'
    })
  })

  it('reads a scalar result as one unlabelled sample, and sends no token when none is given', async () => {
    server = await scriptedServer([
      json(200, { status: 'success', data: { resultType: 'scalar', result: [1767268800.5, '3'] } })
    ])
    const result = await new PrometheusClient({ url: server.url }).query(
      'vector(3)',
      new Date(1767268800500)
    )
    expect(result).toEqual({
      resultType: 'scalar',
      samples: [{ labels: {}, time: 1767268800.5, value: 3 }],
      warnings: []
    })
    expect(server.received[0]!.headers.authorization).toBeUndefined()
  })

  it('posts a range query and reads the matrix', async () => {
    server = await scriptedServer([
      json(200, {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: {},
              values: [
                [1767268860, '1'],
                [1767268920, 'NaN'],
                [1767268980, '2.5']
              ]
            }
          ]
        }
      })
    ])
    const client = new PrometheusClient({ url: server.url })
    const result = await client.queryRange(
      'rate(x[1m])',
      new Date(1767268860000),
      new Date(1767268980000),
      60
    )
    expect(result.series).toEqual([
      {
        labels: {},
        points: [
          { time: 1767268860, value: 1 },
          { time: 1767268920, value: NaN },
          { time: 1767268980, value: 2.5 }
        ]
      }
    ])
    expect(server.received[0]!.path).toBe('/api/v1/query_range')
    expect(server.received[0]!.form).toMatchObject({
      query: 'rate(x[1m])',
      start: '1767268860.000',
      end: '1767268980.000',
      step: '60'
    })
  })

  it('does not retry a bad query, and quotes errorType and error', async () => {
    server = await scriptedServer([
      json(400, {
        status: 'error',
        errorType: 'bad_data',
        error: '1:5: parse error: unexpected "}"'
      })
    ])
    const client = new PrometheusClient({ url: server.url, retry: noWait })
    const failure = client.query('up{}}', new Date())
    await expect(failure).rejects.toThrow(
      new PrometheusError(
        'Prometheus rejected the query (HTTP 400, bad_data): 1:5: parse error: unexpected "}"',
        false
      )
    )
    expect(server.received).toHaveLength(1)
  })

  it('does not retry an execution error (422)', async () => {
    server = await scriptedServer([
      json(422, {
        status: 'error',
        errorType: 'execution',
        error: 'query processing would load too many samples'
      })
    ])
    await expect(
      new PrometheusClient({ url: server.url, retry: noWait }).query('x', new Date())
    ).rejects.toThrow('(HTTP 422, execution)')
    expect(server.received).toHaveLength(1)
  })

  it('retries 503 and 429 and succeeds, honouring Retry-After', async () => {
    const waits: number[] = []
    server = await scriptedServer([
      json(503, { status: 'error', errorType: 'unavailable', error: 'not ready' }),
      json(
        429,
        { status: 'error', errorType: 'unavailable', error: 'slow down' },
        { 'retry-after': '2' }
      ),
      json(200, { status: 'success', data: { resultType: 'vector', result: [] } })
    ])
    const client = new PrometheusClient({
      url: server.url,
      retry: { ...noWait, sleep: async ms => void waits.push(ms) }
    })
    const result = await client.query('x', new Date())
    expect(result.samples).toEqual([])
    expect(server.received).toHaveLength(3)
    // Backoff with full jitter (500 ms x 0.75 at random 0.5), then the 2 s the server asked for.
    expect(waits).toEqual([375, 2000])
  })

  it('gives up after its bounded attempts on a server that keeps failing', async () => {
    server = await scriptedServer([
      json(500, { status: 'error', errorType: 'internal', error: 'boom' })
    ])
    await expect(
      new PrometheusClient({ url: server.url, retry: noWait }).query('x', new Date())
    ).rejects.toThrow('Prometheus rejected the query (HTTP 500, internal): boom')
    expect(server.received).toHaveLength(3)
  })

  it('reports an answer without the API envelope, such as a proxy error page', async () => {
    server = await scriptedServer([
      res => {
        res.writeHead(502, { 'content-type': 'text/html' })
        res.end('<html><body>Bad Gateway</body></html>')
      }
    ])
    await expect(
      new PrometheusClient({ url: server.url, retry: { ...noWait, attempts: 2 } }).query(
        'x',
        new Date()
      )
    ).rejects.toThrow(
      /answered HTTP 502 without its JSON API envelope: <html><body>Bad Gateway<\/body><\/html>$/
    )
    expect(server.received).toHaveLength(2)
  })

  it('points at the token on 401 and does not retry it', async () => {
    server = await scriptedServer([
      res => {
        res.writeHead(401)
        res.end('Unauthorized')
      }
    ])
    await expect(
      new PrometheusClient({ url: server.url, retry: noWait }).query('x', new Date())
    ).rejects.toThrow('(check prometheus-token)')
    expect(server.received).toHaveLength(1)
  })

  it('times out a request that gets no answer, and retries it', async () => {
    server = await scriptedServer([() => {}])
    const client = new PrometheusClient({
      url: server.url,
      timeoutMs: 150,
      retry: { ...noWait, attempts: 2 }
    })
    await expect(client.query('x', new Date())).rejects.toThrow(
      `could not be reached: no answer within 150 ms`
    )
    expect(server.received).toHaveLength(2)
  })

  it('retries when nothing listens, and says so', async () => {
    server = await scriptedServer([json(200, {})])
    const url = server.url
    await server.close()
    server = undefined
    const attempts: number[] = []
    const client = new PrometheusClient({
      url,
      retry: { ...noWait, onRetry: (_e, attempt) => attempts.push(attempt) }
    })
    await expect(client.query('x', new Date())).rejects.toThrow(
      /could not be reached: fetch failed \(.*ECONNREFUSED.*\)/
    )
    expect(attempts).toEqual([1, 2])
  })

  it('refuses a malformed sample instead of guessing', async () => {
    server = await scriptedServer([
      json(200, {
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'abc'] }] }
      })
    ])
    await expect(
      new PrometheusClient({ url: server.url, retry: noWait }).query('x', new Date())
    ).rejects.toThrow('a sample value that is not a number: "abc"')
  })

  it('refuses a string result to an instant query', async () => {
    server = await scriptedServer([
      json(200, { status: 'success', data: { resultType: 'string', result: [1, 'hello'] } })
    ])
    await expect(
      new PrometheusClient({ url: server.url, retry: noWait }).query('"hello"', new Date())
    ).rejects.toThrow('Prometheus answered a string to an instant query')
  })
})

describe('parsePrometheusUrl', () => {
  it('accepts http and https URLs, with a path prefix', () => {
    expect(parsePrometheusUrl('http://127.0.0.1:9090').href).toBe('http://127.0.0.1:9090/')
    expect(parsePrometheusUrl('https://monitoring.example.com/prometheus').pathname).toBe(
      '/prometheus'
    )
  })

  it.each(['ftp://prometheus:9090', 'file:///etc/passwd', 'prometheus:9090', 'not a url', ''])(
    'refuses %j naming the input',
    text => {
      expect(() => parsePrometheusUrl(text)).toThrow(InputError)
      expect(() => parsePrometheusUrl(text)).toThrow(
        /^Input "prometheus-url" is .*; accepted: an http:\/\/ or https:\/\/ URL of a Prometheus server/
      )
    }
  )

  it('refuses credentials in the URL without repeating them', () => {
    expect(() => parsePrometheusUrl('http://admin:hunter2@prometheus:9090')).toThrow(
      /^Input "prometheus-url" is "\(a URL with credentials\)"/
    )
    expect(() => parsePrometheusUrl('http://admin:hunter2@prometheus:9090')).not.toThrow(/hunter2/)
  })
})
