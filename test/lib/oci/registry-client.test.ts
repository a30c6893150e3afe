import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UserError } from '../../../src/lib/errors.js'
import { buildOciLayerImage } from '../../../src/lib/image/oci-layer.js'
import { dockerConfigCredentials, parseAuthChallenge } from '../../../src/lib/oci/auth.js'
import { sha256Digest } from '../../../src/lib/oci/digest.js'
import { parseImageReference } from '../../../src/lib/oci/reference.js'
import { RegistryClient, type RegistryClientOptions } from '../../../src/lib/oci/registry-client.js'
import { pushBusyboxBase, type BaseImage } from '../../support/base-images.js'
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js'
import { startRegistry, type TestRegistry } from '../../support/registry.js'

let registry: TestRegistry
let proxy: FaultProxy
let work: string
let delays: number[]

function client(overrides: Partial<RegistryClientOptions> = {}): RegistryClient {
  return new RegistryClient({
    registry: proxy.host,
    insecure: true,
    retry: { baseDelayMs: 5, sleep: async ms => void delays.push(ms) },
    ...overrides
  })
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-client-'))
  registry = await startRegistry()
  proxy = await startFaultProxy(registry.url)
})

afterAll(async () => {
  await proxy?.stop()
  await registry?.stop()
  await rm(work, { recursive: true, force: true })
})

beforeEach(() => {
  proxy.clear()
  delays = []
})

const count = (method: string, path: RegExp) =>
  proxy.requests.filter(r => r.method === method && path.test(r.path)).length

describe('registry client against a real registry behind a fault proxy', () => {
  it('retries 5xx answers with backoff and succeeds', async () => {
    const bytes = Buffer.from('config after two 503s')
    proxy.inject({ method: 'POST', path: /blobs\/uploads\/$/ }, { kind: 'status', status: 503 }, 2)
    expect(await client().pushBlobBytes('faults/five', bytes)).toBe('uploaded')
    expect(delays).toHaveLength(2)
    expect(await client().blobSize('faults/five', sha256Digest(bytes))).toBe(bytes.length)
  })

  it('waits as long as a 429 Retry-After says, and gives up after a bounded number of attempts', async () => {
    proxy.inject(
      { method: 'GET', path: /tags\/list/ },
      { kind: 'status', status: 429, retryAfter: '2' },
      1
    )
    await client().listTags('faults/none')
    expect(delays).toEqual([2000])

    delays = []
    proxy.inject(
      { method: 'GET', path: /tags\/list/ },
      { kind: 'status', status: 429, retryAfter: '1' },
      100
    )
    await expect(client().listTags('faults/none')).rejects.toThrow(
      /HTTP 429 from 127\.0\.0\.1:\d+ while listing tags/
    )
    expect(delays).toEqual([1000, 1000, 1000])
    // Two for the first call (429, then 200), four attempts for the second.
    expect(count('GET', /tags\/list/)).toBe(2 + 4)
  })

  it('resumes a chunked upload where the registry stopped after a connection dropped mid-PATCH', async () => {
    const bytes = randomBytes(300_000)
    const chunked = client({ chunkSize: 64 * 1024 })
    proxy.inject({ method: 'PATCH' }, { kind: 'drop', afterBytes: 10_000 }, 1, 1)
    expect(await chunked.pushBlobBytes('faults/drop', bytes)).toBe('uploaded')
    expect(proxy.requests.some(r => r.status === 'dropped')).toBe(true)
    // One session only: the upload went on from the registry's Range, it did not start over.
    expect(count('POST', /blobs\/uploads\/$/)).toBe(1)
    expect(count('GET', /blobs\/uploads\/[^?]+/)).toBe(1)
    expect(count('PATCH', /./)).toBe(Math.ceil(bytes.length / (64 * 1024)) + 1)
    expect(await chunked.blobSize('faults/drop', sha256Digest(bytes))).toBe(bytes.length)
  })

  it('starts a monolithic upload over when its connection drops', async () => {
    const bytes = randomBytes(50_000)
    proxy.inject(
      { method: 'PUT', path: /blobs\/uploads\// },
      { kind: 'drop', afterBytes: 20_000 },
      1
    )
    expect(await client().pushBlobBytes('faults/put', bytes)).toBe('uploaded')
    expect(count('POST', /blobs\/uploads\/$/)).toBe(2)
    expect(await client().blobSize('faults/put', sha256Digest(bytes))).toBe(bytes.length)
  })

  it('opens a new session when the registry has forgotten the one it gave', async () => {
    const bytes = randomBytes(1000)
    proxy.inject({ method: 'PUT', path: /blobs\/uploads\// }, { kind: 'status', status: 404 }, 1)
    expect(await client().pushBlobBytes('faults/forgot', bytes)).toBe('uploaded')
    expect(count('POST', /blobs\/uploads\/$/)).toBe(2)
  })

  it('skips a blob the repository already has (HEAD first)', async () => {
    const bytes = Buffer.from('already there')
    await client().pushBlobBytes('faults/skip', bytes)
    proxy.clear()
    expect(await client().pushBlobBytes('faults/skip', bytes)).toBe('exists')
    expect(proxy.requests.map(r => r.method)).toEqual(['HEAD'])
  })

  it('sends a streamed layer again, in resumable chunks, when its connection drops', async () => {
    const base: BaseImage = await pushBusyboxBase(proxy.host, 'faults/base')
    const model = await mkdtemp(join(work, 'model-'))
    await writeFile(join(model, 'w.bin'), randomBytes(400_000))
    proxy.clear()
    proxy.inject({ method: 'PATCH' }, { kind: 'drop', afterBytes: 100_000 }, 1)
    const small = client({ chunkSize: 64 * 1024 })
    const result = await buildOciLayerImage({
      baseImage: parseImageReference(base.ref)!,
      image: parseImageReference(`${proxy.host}/faults/lost`)!,
      tags: ['1'],
      modelPath: model,
      created: new Date(0),
      client: () => small,
      cacheDir: false
    })
    expect(result.layer.outcome).toBe('uploaded')
    expect(proxy.requests.filter(r => r.status === 'dropped' && r.method === 'PATCH')).toHaveLength(
      1
    )
    // Then the layer went again from a temp file, in 64 KiB chunks.
    expect(
      proxy.requests.filter(r => r.status === 202 && r.method === 'PATCH').length
    ).toBeGreaterThan(3)
    expect(await small.blobSize('faults/lost', result.layer.digest)).toBe(result.layer.size)
    expect((await small.headManifest('faults/lost', '1'))?.digest).toBe(result.digest)
  })

  it('never leaves a tag on an image whose push failed', async () => {
    const base: BaseImage = await pushBusyboxBase(proxy.host, 'faults/base')
    const model = await mkdtemp(join(work, 'model-'))
    await writeFile(join(model, 'w.bin'), 'weights')
    proxy.inject(
      { method: 'PUT', path: /\/manifests\/sha256:/ },
      { kind: 'status', status: 500 },
      100
    )
    const reference = parseImageReference(`${proxy.host}/faults/app`)!
    await expect(
      buildOciLayerImage({
        baseImage: parseImageReference(base.ref)!,
        image: reference,
        tags: ['1.0.0', 'latest'],
        modelPath: model,
        created: new Date(0),
        client: () => client(),
        cacheDir: false
      })
    ).rejects.toThrow(/HTTP 500 .* while pushing manifest faults\/app:sha256:/)
    expect(count('PUT', /\/manifests\/(1\.0\.0|latest)$/)).toBe(0)
    expect(await client().headManifest('faults/app', '1.0.0')).toBeUndefined()
    expect(await client().listTags('faults/app')).toEqual([])
  })
})

describe('registry authentication', () => {
  let authProxy: FaultProxy
  afterEach(async () => authProxy?.stop())

  it('follows the bearer token flow with basic credentials and reuses the token', async () => {
    authProxy = await startFaultProxy(registry.url, {
      scheme: 'bearer',
      username: 'alice',
      password: 's3cret'
    })
    const authed = new RegistryClient({
      registry: authProxy.host,
      insecure: true,
      credentials: { username: 'alice', password: 's3cret' }
    })
    expect(await authed.pushBlobBytes('auth/app', Buffer.from('token flow'))).toBe('uploaded')
    expect(authProxy.tokenScopes[0]).toContain('repository:auth/app:pull,push')
    // One token for the push scope, reused by every later request of that scope.
    const challenged = authProxy.requests.filter(r => r.status === 401).length
    expect(challenged).toBeLessThanOrEqual(2)
    expect(
      authProxy.requests
        .filter(r => r.path.startsWith('/v2/') && r.status !== 401)
        .every(r => r.authorization?.startsWith('Bearer '))
    ).toBe(true)
  })

  it('streams a large layer with the token the session was opened with', async () => {
    authProxy = await startFaultProxy(registry.url, {
      scheme: 'bearer',
      username: 'alice',
      password: 's3cret'
    })
    const authed = new RegistryClient({
      registry: authProxy.host,
      insecure: true,
      chunkSize: 64 * 1024,
      credentials: { username: 'alice', password: 's3cret' }
    })
    const base = await pushBusyboxBase(proxy.host, 'auth/base')
    const model = await mkdtemp(join(work, 'model-'))
    await writeFile(join(model, 'w.bin'), randomBytes(300_000))
    const result = await buildOciLayerImage({
      baseImage: parseImageReference(base.ref.replace(proxy.host, authProxy.host))!,
      image: parseImageReference(`${authProxy.host}/auth/streamed`)!,
      tags: ['1'],
      modelPath: model,
      created: new Date(0),
      client: () => authed,
      cacheDir: false
    })
    const streamed = authProxy.requests.filter(r => r.method === 'PATCH')
    expect(streamed).toHaveLength(1)
    expect(streamed[0]!.status).toBe(202)
    expect(streamed[0]!.authorization).toMatch(/^Bearer /)
    expect((await authed.headManifest('auth/streamed', '1'))?.digest).toBe(result.digest)
  })

  it('answers a basic challenge with the docker config credentials', async () => {
    authProxy = await startFaultProxy(registry.url, {
      scheme: 'basic',
      username: 'bob',
      password: 'hunter2'
    })
    const dir = await mkdtemp(join(work, 'docker-'))
    const auth = Buffer.from('bob:hunter2').toString('base64')
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ auths: { [`http://${authProxy.host}`]: { auth } } })
    )
    const credentials = await dockerConfigCredentials(authProxy.host, { DOCKER_CONFIG: dir })
    expect(credentials).toEqual({ username: 'bob', password: 'hunter2' })
    const authed = new RegistryClient({
      registry: authProxy.host,
      insecure: true,
      ...(credentials ? { credentials } : {})
    })
    expect(await authed.listTags('auth/none')).toEqual([])
  })

  it('fails with a clear error naming the registry and the user, never the password', async () => {
    authProxy = await startFaultProxy(registry.url, {
      scheme: 'bearer',
      username: 'alice',
      password: 's3cret'
    })
    const wrong = new RegistryClient({
      registry: authProxy.host,
      insecure: true,
      credentials: { username: 'alice', password: 'wrong-pw' }
    })
    const error = await wrong.pushBlobBytes('auth/app', Buffer.from('x')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toBe(
      `Registry ${authProxy.host} token service refused user "alice" (HTTP 401: UNAUTHORIZED: bad credentials). Check the registry credentials.`
    )
    expect((error as Error).message).not.toContain('wrong-pw')

    const anonymous = new RegistryClient({ registry: authProxy.host, insecure: true })
    await expect(anonymous.listTags('auth/app')).rejects.toThrow(
      `Registry ${authProxy.host} token service refused anonymous access (HTTP 401: UNAUTHORIZED: bad credentials)`
    )
  })
})

describe('registry client basics', () => {
  it('speaks HTTPS unless the registry is marked insecure, and maps docker.io to its API host', () => {
    expect(new RegistryClient({ registry: 'ghcr.io' }).baseUrl).toBe('https://ghcr.io')
    expect(new RegistryClient({ registry: '127.0.0.1:5000', insecure: true }).baseUrl).toBe(
      'http://127.0.0.1:5000'
    )
    expect(new RegistryClient({ registry: 'docker.io' }).baseUrl).toBe(
      'https://registry-1.docker.io'
    )
  })

  it('parses WWW-Authenticate challenges', () => {
    expect(
      parseAuthChallenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"'
      )
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example/token',
        service: 'registry.example',
        scope: 'repository:a/b:pull'
      }
    })
    expect(parseAuthChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry Realm' }
    })
    expect(parseAuthChallenge('Negotiate')).toBeUndefined()
  })

  it('reads docker config entries keyed by URL, including the Docker Hub index URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'docker-config-'))
    const auth = Buffer.from('carol:pa:ss').toString('base64')
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: { 'https://index.docker.io/v1/': { auth }, 'ghcr.io': { registrytoken: 'tok' } }
      })
    )
    expect(await dockerConfigCredentials('docker.io', { DOCKER_CONFIG: dir })).toEqual({
      username: 'carol',
      password: 'pa:ss'
    })
    expect(await dockerConfigCredentials('ghcr.io', { DOCKER_CONFIG: dir })).toEqual({
      token: 'tok'
    })
    expect(await dockerConfigCredentials('quay.io', { DOCKER_CONFIG: dir })).toBeUndefined()
    await rm(dir, { recursive: true, force: true })
  })
})
