import type { Readable } from 'node:stream'
import { UserError } from '../errors.js'
import { silentLog, type Log } from '../log.js'
import { parseRetryAfter, withRetry, type RetryOptions } from '../retry.js'
import { DEFAULT_HTTP_TIMEOUTS, fetchWithTimeouts, type HttpTimeouts } from '../http-timeouts.js'
import {
  basicAuthorization,
  maskDerived,
  describeCredentials,
  parseAuthChallenge,
  type AuthChallenge,
  type RegistryCredentials
} from './auth.js'
import {
  BlobUpload,
  bufferChunkSource,
  type ChunkSource,
  fileChunkSource,
  sendChunks,
  type SizedChunkSource
} from './blob-upload.js'
import { sha256Digest } from './digest.js'
import { streamRequest } from './stream-request.js'
import { MANIFEST_ACCEPT, manifestMediaType } from './media-types.js'
import { isRetryableRegistryError, RegistryHttpError, UploadLostError } from './registry-errors.js'

export { isRetryableRegistryError, RegistryHttpError, UploadLostError }

export interface RegistryClientOptions {
  /** Host with optional port, as in an image reference (`docker.io` means Docker Hub). */
  registry: string
  credentials?: RegistryCredentials
  /** Plain HTTP. Only for local registries; otherwise every request is HTTPS. */
  insecure?: boolean
  fetch?: typeof fetch
  retry?: RetryOptions
  log?: Log
  /** Size of each PATCH of a chunked upload; raised to the registry's OCI-Chunk-Min-Length. */
  chunkSize?: number
  /** Per-request bounds (http-timeouts.ts); every retry loop also has a total deadline. */
  timeouts?: HttpTimeouts
}

/** The longest one registry operation (with its retries) may take before it fails, reported. */
export const REGISTRY_OPERATION_DEADLINE_MS = 10 * 60_000

export type { RequestSpec }

export interface ManifestResponse {
  bytes: Buffer
  mediaType: string
  digest: string
}

export interface ManifestHead {
  digest: string
  mediaType: string
  size: number
}

export type BlobPushOutcome = 'exists' | 'mounted' | 'uploaded'

export interface BlobPushOptions {
  /** A repository of the same registry that already holds the blob: mount it from there. */
  mountFrom?: string
  onProgress?: (sent: number, total: number) => void
}

interface RequestSpec {
  headers?: Record<string, string>
  /** A factory, so that each attempt gets a fresh body (a stream can be read once). */
  body?: () => RequestInit['body'] | Readable | undefined
  /** `repository:<name>:pull,push` scopes the request needs, for the token flow. */
  scopes: string[]
  /** Statuses returned to the caller rather than thrown. */
  accept: number[]
  /** One attempt only: the caller retries with knowledge the request does not have. */
  once?: boolean
  /** What the request is for, in error messages. */
  purpose: string
}

const DEFAULT_CHUNK = 32 * 1024 * 1024

/**
 * A client of the OCI distribution API (the registry HTTP API docker, buildah and skopeo speak).
 * It authenticates as the registry asks (anonymous, basic, or the bearer token flow), retries
 * 5xx, 429 and dropped connections with backoff, and never puts a credential in a message.
 */
export class RegistryClient {
  readonly registry: string
  readonly baseUrl: string
  readonly chunkSize: number
  private readonly credentials: RegistryCredentials | undefined
  private readonly fetchImpl: typeof fetch
  private readonly timeouts: HttpTimeouts
  private readonly retry: RetryOptions
  private readonly log: Log
  /** Credentials and tokens belong to this origin only (per-host auth, as containerd keeps it). */
  private readonly origin: string
  private readonly tokens = new Map<string, string>()
  private basic: string | undefined

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry
    const host = options.registry === 'docker.io' ? 'registry-1.docker.io' : options.registry
    this.baseUrl = `${options.insecure ? 'http' : 'https'}://${host}`
    this.origin = new URL(this.baseUrl).origin
    this.credentials = options.credentials
    this.timeouts = options.timeouts ?? DEFAULT_HTTP_TIMEOUTS
    this.fetchImpl = fetchWithTimeouts(options.fetch ?? fetch, this.timeouts)
    this.retry = options.retry ?? {}
    this.log = options.log ?? silentLog
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK
  }

  async getManifest(repository: string, reference: string): Promise<ManifestResponse | undefined> {
    const response = await this.request('GET', `/v2/${repository}/manifests/${reference}`, {
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      scopes: [pullScope(repository)],
      accept: [200, 404],
      purpose: `reading manifest ${repository}:${reference}`
    })
    if (response.status === 404) return drain(response, undefined)
    const bytes = Buffer.from(await response.arrayBuffer())
    const digest = sha256Digest(bytes)
    if (reference.includes(':') && reference !== digest) {
      throw new UserError(
        `Registry ${this.registry} returned manifest ${digest} when asked for ${repository}@${reference}.`
      )
    }
    return {
      bytes,
      digest,
      mediaType: manifestMediaType(bytes, response.headers.get('content-type'))
    }
  }

  async headManifest(repository: string, reference: string): Promise<ManifestHead | undefined> {
    const response = await this.request('HEAD', `/v2/${repository}/manifests/${reference}`, {
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      scopes: [pullScope(repository)],
      accept: [200, 404],
      purpose: `checking manifest ${repository}:${reference}`
    })
    await drain(response, undefined)
    if (response.status === 404) return undefined
    const digest = response.headers.get('docker-content-digest')
    if (!digest) {
      // Some registries omit the digest on HEAD: the body is the only source of truth then.
      const full = await this.getManifest(repository, reference)
      return full && { digest: full.digest, mediaType: full.mediaType, size: full.bytes.length }
    }
    return {
      digest,
      mediaType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim(),
      size: Number(response.headers.get('content-length') ?? 0)
    }
  }

  /** Stores a manifest under a tag or its digest; returns the digest of the bytes sent. */
  async putManifest(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string
  ): Promise<string> {
    const digest = sha256Digest(bytes)
    const response = await this.request('PUT', `/v2/${repository}/manifests/${reference}`, {
      headers: { 'content-type': mediaType },
      body: () => bytes,
      scopes: [pushScope(repository)],
      accept: [200, 201],
      purpose: `pushing manifest ${repository}:${reference}`
    })
    await drain(response, undefined)
    const stored = response.headers.get('docker-content-digest')
    if (stored && stored !== digest) {
      throw new UserError(
        `Registry ${this.registry} stored manifest ${repository}:${reference} as ${stored}, not ${digest}.`
      )
    }
    return digest
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    const response = await this.request('DELETE', `/v2/${repository}/manifests/${digest}`, {
      scopes: [pushScope(repository, 'delete')],
      accept: [202, 404],
      purpose: `deleting manifest ${repository}@${digest}`
    })
    await drain(response, undefined)
  }

  /** The blob's size when the repository has it, else undefined. */
  async blobSize(repository: string, digest: string): Promise<number | undefined> {
    const response = await this.request('HEAD', `/v2/${repository}/blobs/${digest}`, {
      scopes: [pullScope(repository)],
      accept: [200, 404],
      purpose: `checking blob ${digest} in ${repository}`
    })
    await drain(response, undefined)
    return response.status === 200 ? Number(response.headers.get('content-length') ?? 0) : undefined
  }

  /** The blob as a stream (not buffered: layers can be large). */
  async getBlob(repository: string, digest: string): Promise<ReadableStream<Uint8Array>> {
    const response = await this.request('GET', `/v2/${repository}/blobs/${digest}`, {
      scopes: [pullScope(repository)],
      accept: [200],
      purpose: `reading blob ${digest} from ${repository}`
    })
    if (!response.body)
      throw new RegistryHttpError(`Registry ${this.registry} sent no body for blob ${digest}`, 502)
    return response.body
  }

  /** A small blob (a config) in memory, checked against its digest. */
  async getBlobBytes(repository: string, digest: string): Promise<Buffer> {
    return withRetry(async () => {
      const chunks: Buffer[] = []
      for await (const chunk of await this.getBlob(repository, digest))
        chunks.push(Buffer.from(chunk))
      const bytes = Buffer.concat(chunks)
      if (sha256Digest(bytes) !== digest) {
        throw new RegistryHttpError(
          `Blob ${digest} from ${this.registry}/${repository} does not match its digest`,
          502
        )
      }
      return bytes
    }, this.retryOptions())
  }

  async pushBlobBytes(repository: string, bytes: Buffer): Promise<BlobPushOutcome> {
    const digest = sha256Digest(bytes)
    return this.pushBlob(repository, digest, bufferChunkSource(bytes))
  }

  async pushBlobFile(
    repository: string,
    digest: string,
    path: string,
    size: number,
    options: BlobPushOptions = {}
  ): Promise<BlobPushOutcome> {
    return this.pushBlob(repository, digest, fileChunkSource(path, size), options)
  }

  /**
   * Uploads a blob unless the repository has it (HEAD first) or can mount it from `mountFrom`.
   * Blobs up to one chunk go in one PUT; larger ones in PATCH chunks that resume where the
   * registry says it stopped after a dropped connection.
   */
  async pushBlob(
    repository: string,
    digest: string,
    source: SizedChunkSource,
    options: BlobPushOptions = {}
  ): Promise<BlobPushOutcome> {
    if ((await this.blobSize(repository, digest)) !== undefined) return 'exists'
    let session: BlobUpload | undefined
    if (options.mountFrom && options.mountFrom !== repository) {
      const mounted = await this.mountBlob(repository, digest, options.mountFrom)
      if (mounted === true) return 'mounted'
      session = mounted
    }
    if (source.size <= this.chunkSize) {
      await withRetry(async attempt => {
        const upload = attempt === 1 && session ? session : await this.startUpload(repository)
        await upload.putWhole(digest, source)
      }, this.sessionRetryOptions())
      options.onProgress?.(source.size, source.size)
      return 'uploaded'
    }
    await this.uploadInChunks(repository, session, source, async () => digest, options.onProgress)
    return 'uploaded'
  }

  /**
   * Chunked upload from a source that may still be growing: each chunk goes out as soon as it
   * exists. When the registry forgets the session, it starts over.
   */
  async uploadInChunks(
    repository: string,
    session: BlobUpload | undefined,
    source: ChunkSource,
    digest: () => Promise<string>,
    onProgress?: (sent: number, total: number) => void
  ): Promise<void> {
    for (let restart = 0; ; restart++) {
      const upload = session ?? (await this.startUpload(repository))
      session = undefined
      try {
        await sendChunks(upload, source, this.chunkSize, this.retryOptions(), onProgress)
        await upload.complete(await digest())
        return
      } catch (error) {
        if (!(error instanceof UploadLostError) || restart >= 2) throw error
        this.log.info(
          `Registry ${this.registry} lost the upload session (${error.message}); starting over.`
        )
      }
    }
  }

  /**
   * Uploads a blob that is still being produced, in one streamed PATCH, then completes it with
   * the digest the producer computed. Returns the bytes the registry holds.
   */
  async streamBlob(
    repository: string,
    body: AsyncIterable<Buffer>,
    digest: () => Promise<string>
  ): Promise<number> {
    const upload = await this.startUpload(repository)
    await upload.patchStream(body)
    await upload.complete(await digest())
    return upload.offset
  }

  /** Mounts a blob from another repository: true when done, else the upload session it opened. */
  async mountBlob(repository: string, digest: string, from: string): Promise<true | BlobUpload> {
    const query = `mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`
    const response = await this.request('POST', `/v2/${repository}/blobs/uploads/?${query}`, {
      scopes: [pushScope(repository), pullScope(from)],
      accept: [201, 202],
      purpose: `mounting blob ${digest} from ${from} into ${repository}`
    })
    await drain(response, undefined)
    if (response.status === 201) return true
    return this.sessionFrom(response, repository)
  }

  async startUpload(repository: string): Promise<BlobUpload> {
    const response = await this.request('POST', `/v2/${repository}/blobs/uploads/`, {
      scopes: [pushScope(repository)],
      accept: [202],
      purpose: `starting a blob upload to ${repository}`
    })
    await drain(response, undefined)
    return this.sessionFrom(response, repository)
  }

  async listTags(repository: string): Promise<string[]> {
    const tags: string[] = []
    let next: string | undefined = `/v2/${repository}/tags/list?n=1000`
    while (next) {
      const response = await this.request('GET', next, {
        scopes: [pullScope(repository)],
        accept: [200, 404],
        purpose: `listing tags of ${repository}`
      })
      if (response.status === 404) return drain(response, tags)
      const body = (await response.json()) as { tags?: string[] | null }
      tags.push(...(body.tags ?? []))
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')
      next = link ? link[1] : undefined
    }
    return tags
  }

  private sessionFrom(response: Response, repository: string): BlobUpload {
    const location = response.headers.get('location')
    if (!location)
      throw new RegistryHttpError(
        `Registry ${this.registry} opened an upload without a Location`,
        502
      )
    const minChunk = Number(response.headers.get('oci-chunk-min-length') ?? 0) || 0
    const scopes = [pushScope(repository)]
    return new BlobUpload(
      this.target(location),
      minChunk,
      (method, url, spec) => this.request(method, url, { ...spec, scopes }),
      this.registry,
      (method, url, headers, body) => {
        // The session was opened with these credentials a moment ago: reuse its answer, on the
        // registry's own origin only.
        const authorization = this.credentialFor(this.target(url), scopeKeyOf(scopes))
        this.log.debug(`${method} ${url} (streamed)`)
        return streamRequest(
          url,
          method,
          { ...headers, ...(authorization ? { authorization } : {}) },
          body,
          this.timeouts
        )
      }
    )
  }

  /** A monolithic upload starts a new session on each attempt, so a lost one is worth retrying. */
  private sessionRetryOptions(): RetryOptions {
    const options = this.retryOptions()
    const retryable = options.retryable ?? isRetryableRegistryError
    return { ...options, retryable: error => error instanceof UploadLostError || retryable(error) }
  }

  private retryOptions(): RetryOptions {
    return {
      deadlineMs: REGISTRY_OPERATION_DEADLINE_MS,
      retryable: isRetryableRegistryError,
      delayFor: error => (error instanceof RegistryHttpError ? error.retryAfterMs : undefined),
      onRetry: (error, attempt, delay) =>
        this.log.info(
          `Registry ${this.registry}: ${errorText(error)}; retry ${attempt} in ${delay} ms`
        ),
      ...this.retry
    }
  }

  /** One request with auth, retried on transient failures; statuses outside `accept` throw. */
  async request(method: string, pathOrUrl: string, spec: RequestSpec): Promise<Response> {
    const url = this.target(pathOrUrl)
    return withRetry(
      async () => {
        const response = await this.authorised(method, url, spec)
        if (spec.accept.includes(response.status)) return response
        const detail = await errorDetail(response)
        if (response.status === 401 || response.status === 403) {
          throw new UserError(
            `Registry ${this.registry} refused ${describeCredentials(this.credentials)} while ${spec.purpose} ` +
              `(HTTP ${response.status}${detail ? `: ${detail}` : ''}). Check the registry credentials ` +
              "(username/password or token inputs, or the runner's docker login)."
          )
        }
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'))
        throw new RegistryHttpError(
          `HTTP ${response.status} from ${this.registry} while ${spec.purpose}${detail ? `: ${detail}` : ''}`,
          response.status,
          retryAfter
        )
      },
      spec.once ? { ...this.retryOptions(), attempts: 1 } : this.retryOptions()
    )
  }

  private async authorised(method: string, url: string, spec: RequestSpec): Promise<Response> {
    const scopeKey = scopeKeyOf(spec.scopes)
    const send = (authorization: string | undefined) => {
      this.log.debug(`${method} ${url}`)
      const body = spec.body?.()
      return this.fetchImpl(url, {
        method,
        headers: { ...spec.headers, ...(authorization ? { authorization } : {}) },
        ...(body !== undefined ? { body: body as RequestInit['body'], duplex: 'half' } : {}),
        redirect: 'follow'
      } as RequestInit)
    }
    const known = this.credentialFor(url, scopeKey)
    const first = await send(known)
    if (first.status !== 401) return first
    // Another origin (an upload Location or a Link on another host) asking for credentials does
    // not get the registry's: its 401 stands.
    if (new URL(url).origin !== this.origin) return first
    const challenge = parseAuthChallenge(first.headers.get('www-authenticate'))
    await drain(first, undefined)
    if (!challenge) return send(known)
    const authorization = await this.answer(challenge, spec.scopes, scopeKey)
    if (authorization === undefined || authorization === known) return send(known)
    this.tokens.set(scopeKey, authorization)
    return send(authorization)
  }

  /**
   * A URL the registry named (a Location, a Link, a token realm), resolved against the registry.
   * From an https registry, anything but https is refused: following it would send the upload,
   * and perhaps credentials, in clear text (a TLS-terminating proxy writing http:// Locations).
   */
  private target(pathOrUrl: string): string {
    const url = new URL(pathOrUrl, this.baseUrl)
    if (this.baseUrl.startsWith('https:') && url.protocol !== 'https:') {
      throw new UserError(
        `Registry ${this.registry} pointed to ${url.protocol}//${url.host}${url.pathname}, which is not https: refusing to leave TLS for it.`
      )
    }
    return url.toString()
  }

  /** The Authorization for `url`: the registry's credentials on its own origin, none elsewhere. */
  private credentialFor(url: string, scopeKey: string): string | undefined {
    if (new URL(url).origin !== this.origin) return undefined
    return this.tokens.get(scopeKey) ?? this.basic
  }

  /** The Authorization header that answers a challenge, or undefined when we have nothing. */
  private async answer(
    challenge: AuthChallenge,
    scopes: string[],
    scopeKey: string
  ): Promise<string | undefined> {
    const { username, password, token } = this.credentials ?? {}
    if (challenge.scheme === 'basic') {
      if (!username || password === undefined) return undefined
      this.basic = basicAuthorization(username, password)
      return this.basic
    }
    if (token) return `Bearer ${token}`
    const realm = challenge.params.realm
    if (!realm)
      throw new UserError(
        `Registry ${this.registry} asked for a bearer token without saying where to get one.`
      )
    const tokenUrl = new URL(this.target(realm))
    if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service)
    for (const scope of new Set([...(challenge.params.scope?.split(' ') ?? []), ...scopes])) {
      if (scope) tokenUrl.searchParams.append('scope', scope)
    }
    const headers: Record<string, string> = {}
    if (username && password !== undefined)
      headers.authorization = basicAuthorization(username, password)
    const response = await this.fetchImpl(tokenUrl, { headers })
    if (response.status === 401 || response.status === 403) {
      const detail = await errorDetail(response)
      throw new UserError(
        `Registry ${this.registry} token service refused ${describeCredentials(this.credentials)} ` +
          `(HTTP ${response.status}${detail ? `: ${detail}` : ''}). Check the registry credentials.`
      )
    }
    if (!response.ok) {
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'))
      throw new RegistryHttpError(
        `HTTP ${response.status} from the token service of ${this.registry}`,
        response.status,
        retryAfter
      )
    }
    const body = (await response.json()) as { token?: string; access_token?: string }
    const issued = body.token ?? body.access_token
    if (!issued)
      throw new RegistryHttpError(`The token service of ${this.registry} returned no token`, 502)
    maskDerived(issued)
    const authorization = `Bearer ${issued}`
    this.tokens.set(scopeKey, authorization)
    return authorization
  }
}

function scopeKeyOf(scopes: string[]): string {
  return [...scopes].sort().join(' ')
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`
}

export function pushScope(repository: string, extra?: string): string {
  return `repository:${repository}:pull,push${extra ? `,${extra}` : ''}`
}

async function drain<T>(response: Response, value: T): Promise<T> {
  try {
    await response.body?.cancel()
  } catch {
    // The connection may already be gone; there is nothing left to read either way.
  }
  return value
}

/** The registry's own words (`{"errors":[{"code","message"}]}`), kept short. */
async function errorDetail(response: Response): Promise<string> {
  let text: string
  try {
    text = await response.text()
  } catch {
    return ''
  }
  try {
    const errors =
      (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors ?? []
    const first = errors[0]
    if (first) return [first.code, first.message].filter(Boolean).join(': ')
  } catch {
    // Not the registry's JSON error format: quote the start of the text instead.
  }
  return text.trim().slice(0, 200)
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    return cause?.code || cause?.message
      ? `${error.message} (${cause.code ?? cause.message})`
      : error.message
  }
  return String(error)
}
