import { mkdtempSync, rmSync } from 'node:fs'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ApiError } from './api-error.js'
import { serveAdmin } from './admin.js'
import type { Answer } from './api-routes.js'
import { serveApi } from './api-routes.js'
import type { ListOptions } from './cluster.js'
import { Cluster } from './cluster.js'
import { Controller } from './controller.js'
import type { FaultSpec } from './faults.js'
import { FaultInjector, reasonForStatus } from './faults.js'
import type { StoredRelease } from './helm-release.js'
import { decodeReleaseSecret } from './helm-release.js'
import type { KubeconfigOptions } from './kubeconfig.js'
import { writeKubeconfigFile } from './kubeconfig.js'
import { servingCertificate } from './tls.js'
import type { KubeObject } from './types.js'

export interface SimulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number
  /** Milliseconds from a Pod's creation to its readiness (0: ready at once). */
  rolloutDelayMs?: number
  /** Where to write the kubeconfig; a fresh temp dir when omitted. */
  kubeconfigPath?: string
  /** The kubeconfig context's namespace. */
  namespace?: string
  /** How many past changes a watch can resume from before it gets 410 Expired (default 10000). */
  watchHistory?: number
  /** Serve HTTPS with a self-signed certificate (the kubeconfig carries it as its CA). */
  tls?: boolean
  /**
   * Require `Authorization: Bearer TOKEN` on API requests (401 otherwise; `/_sim/` stays open).
   * client-go sends credentials only over HTTPS, so this needs `tls: true`.
   */
  token?: string
}

/** One request as served, for tests that check what a client asked. */
export interface RequestRecord {
  method: string
  path: string
  query: string
  contentType: string
  accept: string
  userAgent: string
  status: number
  /** When it arrived (epoch ms). */
  at: number
}

export interface K8sSimulator {
  url: string
  port: number
  kubeconfigPath: string
  writeKubeconfig(path: string, namespace?: string): string
  /** Pods become ready this long after they are created. */
  setRolloutDelay(ms: number): void
  /** Pods whose image matches (glob with `*`, or a RegExp) never become ready; Jobs fail. */
  markImageBroken(pattern: string | RegExp, reason?: string): void
  /** Pods whose image matches become ready, then fail `afterMs` later (CrashLoopBackOff). */
  failLater(pattern: string | RegExp, afterMs: number): void
  clearImageRules(): void
  /** Returns an id for `removeFault`. */
  injectFault(fault: FaultSpec): number
  removeFault(id: number): void
  clearFaults(): void
  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string
  ): KubeObject | undefined
  list(apiVersion: string, kind: string, namespace?: string, options?: ListOptions): KubeObject[]
  /** Creates an object, or replaces the one of that name, as a client's write would. */
  put(object: KubeObject): KubeObject
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): void
  /** Helm's release records in a namespace (all namespaces when omitted), oldest revision first. */
  releases(namespace?: string, name?: string): StoredRelease[]
  requests(): RequestRecord[]
  clearRequests(): void
  /** Resolves with the first request from now on that matches (rejects after `timeoutMs`). */
  waitForRequest(
    match: (request: RequestRecord) => boolean,
    options?: { timeoutMs?: number; signal?: AbortSignal }
  ): Promise<RequestRecord>
  stop(): Promise<void>
}

const MAX_RECORDS = 20000

export async function startK8sSimulator(options: SimulatorOptions = {}): Promise<K8sSimulator> {
  const cluster = new Cluster(options.watchHistory)
  const controller = new Controller(cluster)
  controller.rolloutDelayMs = options.rolloutDelayMs ?? 0
  controller.start()
  const faults = new FaultInjector()
  const records: RequestRecord[] = []
  const watches = new Set<() => void>()
  const requestListeners = new Set<(record: RequestRecord) => void>()
  const sockets = new Set<Socket>()
  // Filled in once the server listens; the admin routes need the finished simulator.
  const started: { sim?: K8sSimulator } = {}

  if (options.token && !options.tls) {
    throw new Error('a token needs tls: client-go sends no credentials over plain HTTP')
  }
  const certificate = options.tls ? await servingCertificate() : undefined
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, new ApiError(500, 'InternalError', String(error)).toStatus())
      else res.destroy()
    })
  }
  const server: Server = certificate
    ? createHttpsServer(certificate, listener)
    : createServer(listener)
  server.on('connection', socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const body = await readBody(req)
    const method = (req.method ?? 'GET').toUpperCase()
    const record: RequestRecord = {
      method,
      path: url.pathname,
      query: url.search,
      contentType: req.headers['content-type'] ?? '',
      accept: req.headers.accept ?? '',
      userAgent: req.headers['user-agent'] ?? '',
      status: 0,
      at: Date.now()
    }
    if (url.pathname.startsWith('/_sim/')) {
      if (!started.sim) throw new Error('the simulator is not started yet')
      const answer = await serveAdmin(started.sim, faults, method, url, body)
      sendJson(res, answer.status, answer.body)
      return
    }
    records.push(record)
    if (records.length > MAX_RECORDS) records.splice(0, records.length - MAX_RECORDS)
    for (const listener of [...requestListeners]) listener(record)
    res.on('finish', () => (record.status = res.statusCode))
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      sendJson(res, 401, new ApiError(401, 'Unauthorized', 'Unauthorized').toStatus())
      return
    }
    const fault = faults.take(method, url.pathname + url.search)
    if (fault?.slowMs) await delayUnlessClosed(req, fault.slowMs)
    // A client that gave up (or was killed) while the answer was held back changes nothing.
    if (req.socket.destroyed) {
      record.status = -1
      return
    }
    if (fault?.drop) {
      record.status = -1
      req.socket.destroy()
      return
    }
    if (fault?.status) {
      const error = new ApiError(
        fault.status,
        reasonForStatus(fault.status),
        `simulated fault: ${fault.status} injected by the test`
      )
      if (fault.status === 429) res.setHeader('Retry-After', '1')
      sendJson(res, fault.status, error.toStatus())
      return
    }
    let answer: Answer
    try {
      answer = serveApi(cluster, { method, url, headers: req.headers, body }, res, close => {
        watches.add(close)
        res.on('close', () => watches.delete(close))
      })
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      answer = { status: error.code, body: error.toStatus() }
    }
    if ('streamed' in answer) return
    if (method !== 'GET') controller.settle()
    sendJson(res, answer.status, answer.body, answer.contentType)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const url = `${certificate ? 'https' : 'http'}://127.0.0.1:${port}`
  const kubeconfigOptions = (namespace?: string): KubeconfigOptions => ({
    ...(namespace ? { namespace } : {}),
    ...(certificate ? { certificateAuthority: certificate.cert } : {}),
    ...(options.token ? { token: options.token } : {})
  })
  const tempDir = options.kubeconfigPath ? undefined : mkdtempSync(join(tmpdir(), 'k8s-sim-'))
  const kubeconfigPath = writeKubeconfigFile(
    options.kubeconfigPath ?? join(tempDir ?? '', 'kubeconfig'),
    url,
    kubeconfigOptions(options.namespace)
  )

  const typeOf = (apiVersion: string, kind: string) => cluster.type(apiVersion, kind)
  const sim: K8sSimulator = {
    url,
    port,
    kubeconfigPath,
    writeKubeconfig: (path, namespace) =>
      writeKubeconfigFile(path, url, kubeconfigOptions(namespace)),
    setRolloutDelay: ms => {
      controller.rolloutDelayMs = ms
    },
    markImageBroken: (pattern, reason = 'ImagePullBackOff') => {
      controller.rules.push({ pattern, mode: 'broken', reason })
    },
    failLater: (pattern, afterMs) => {
      controller.rules.push({ pattern, mode: 'fail-later', afterMs })
    },
    clearImageRules: () => {
      controller.rules.length = 0
    },
    injectFault: fault => faults.add(fault),
    removeFault: id => faults.remove(id),
    clearFaults: () => faults.clear(),
    get: (apiVersion, kind, namespace, name) =>
      cluster.find(typeOf(apiVersion, kind), namespace, name),
    list: (apiVersion, kind, namespace, listOptions) =>
      cluster.list(typeOf(apiVersion, kind), namespace, listOptions).items,
    put: object => {
      const type = typeOf(object.apiVersion ?? '', object.kind ?? '')
      const name = object.metadata.name ?? ''
      const existing = cluster.find(type, object.metadata.namespace, name)
      const written = existing
        ? cluster.replace(type, object.metadata.namespace, name, object, { manager: 'k8s-sim' })
        : cluster.create(type, object.metadata.namespace, object, { manager: 'k8s-sim' })
      controller.settle()
      return cluster.find(type, object.metadata.namespace, name) ?? written
    },
    remove: (apiVersion, kind, namespace, name) => {
      cluster.delete(typeOf(apiVersion, kind), namespace, name)
      controller.settle()
    },
    releases: (namespace, name) =>
      cluster
        .list(typeOf('v1', 'Secret'), namespace, {
          labelSelector: name ? `owner=helm,name=${name}` : 'owner=helm'
        })
        .items.flatMap(secret => {
          const release = decodeReleaseSecret(secret)
          return release ? [release] : []
        })
        .sort((a, b) => a.name.localeCompare(b.name) || a.revision - b.revision),
    requests: () => records.map(r => ({ ...r })),
    clearRequests: () => {
      records.length = 0
    },
    waitForRequest: (match, { timeoutMs = 30000, signal } = {}) =>
      new Promise((resolve, reject) => {
        const finish = () => {
          clearTimeout(timer)
          requestListeners.delete(listener)
          signal?.removeEventListener('abort', abort)
        }
        const timer = setTimeout(() => {
          finish()
          reject(new Error(`k8s-sim: no matching request within ${timeoutMs} ms`))
        }, timeoutMs)
        const abort = () => {
          finish()
          reject(new Error('k8s-sim: stopped waiting for a request'))
        }
        const listener = (record: RequestRecord) => {
          if (!match(record)) return
          finish()
          resolve(record)
        }
        requestListeners.add(listener)
        signal?.addEventListener('abort', abort)
      }),
    stop: async () => {
      controller.stop()
      for (const close of watches) close()
      const closed = new Promise<void>(resolve => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await closed
      if (tempDir) rmSync(tempDir, { recursive: true, force: true })
    }
  }
  started.sim = sim
  return sim
}

function delayUnlessClosed(req: IncomingMessage, ms: number): Promise<void> {
  return new Promise(resolve => {
    const done = () => {
      clearTimeout(timer)
      req.socket.off('close', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    req.socket.on('close', done)
  })
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json'
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}
