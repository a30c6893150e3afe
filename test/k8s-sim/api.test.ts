import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { conditionsOf, statusOf, waitingReason } from './read-back.js'
import type { K8sSimulator } from './simulator.js'
import { startK8sSimulator } from './simulator.js'
import type { KubeObject } from './types.js'

let sim: K8sSimulator

// The answers are whatever JSON the API returns; the assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

async function api(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  headers: Record<string, string> = {}
) {
  const res = await fetch(sim.url + path, {
    method,
    headers: { 'content-type': contentType, ...headers },
    ...(body === undefined
      ? {}
      : {
          body:
            body instanceof Uint8Array
              ? body
              : typeof body === 'string'
                ? body
                : JSON.stringify(body)
        })
  })
  const text = await res.text()
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: text ? (JSON.parse(text) as Json) : undefined
  }
}

function deployment(name: string, image = 'app:1') {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, env: [{ name: 'A', value: '1' }] }] }
      }
    }
  }
}

const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments'

beforeAll(async () => {
  sim = await startK8sSimulator()
})
afterAll(async () => {
  await sim.stop()
})

describe('discovery and OpenAPI', () => {
  it('answers the aggregated form only to clients that ask for it', async () => {
    const aggregated = await api('GET', '/apis', undefined, 'application/json', {
      accept:
        'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'
    })
    expect(aggregated.contentType).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'
    )
    const apps = aggregated.body.items.find((g: Json) => g.metadata.name === 'apps')
    expect(apps.versions[0].resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          resource: 'deployments',
          scope: 'Namespaced',
          shortNames: ['deploy']
        })
      ])
    )
    const legacy = await api('GET', '/apis')
    expect(legacy.body.kind).toBe('APIGroupList')
    expect(legacy.body.groups.map((g: Json) => g.name)).toContain('networking.k8s.io')
  })

  it('publishes a PATCH operation with fieldValidation per kind, so clients validate server-side', async () => {
    const root = await api('GET', '/openapi/v3')
    expect(root.body.paths['apis/apps/v1'].serverRelativeURL).toMatch(
      /^\/openapi\/v3\/apis\/apps\/v1\?hash=/
    )
    const doc = await api('GET', root.body.paths['apis/apps/v1'].serverRelativeURL)
    const op = doc.body.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch
    expect(op['x-kubernetes-group-version-kind']).toEqual({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment'
    })
    expect(op.parameters.map((p: Json) => p.name)).toContain('fieldValidation')
  })
})

describe('objects', () => {
  it('creates, conflicts on a second create, and answers 404 with a Status', async () => {
    const created = await api('POST', DEPLOYMENTS, deployment('crud'))
    expect(created.status).toBe(201)
    expect(created.body.metadata).toMatchObject({ generation: 1, namespace: 'default' })
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect((await api('POST', DEPLOYMENTS, deployment('crud'))).body).toMatchObject({
      kind: 'Status',
      reason: 'AlreadyExists',
      code: 409
    })
    expect((await api('GET', `${DEPLOYMENTS}/nope`)).body).toMatchObject({
      reason: 'NotFound',
      message: 'deployments.apps "nope" not found'
    })
  })

  it('rejects an update carrying a stale resourceVersion', async () => {
    const current = (await api('GET', `${DEPLOYMENTS}/crud`)).body
    const first = await api('PUT', `${DEPLOYMENTS}/crud`, {
      ...current,
      spec: { ...current.spec, replicas: 2 }
    })
    expect(first.status).toBe(200)
    expect(first.body.metadata.generation).toBe(2)
    const stale = await api('PUT', `${DEPLOYMENTS}/crud`, {
      ...current,
      spec: { ...current.spec, replicas: 3 }
    })
    expect(stale.status).toBe(409)
    expect(stale.body.reason).toBe('Conflict')
  })

  it('merges strategic merge patches by merge key and honours $patch and $setElementOrder', async () => {
    await api('POST', DEPLOYMENTS, deployment('smp'))
    const sidecar = await api(
      'PATCH',
      `${DEPLOYMENTS}/smp`,
      {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'proxy' }, { name: 'app' }],
              containers: [
                { name: 'proxy', image: 'proxy:1' },
                { name: 'app', env: [{ name: 'B', value: '2' }] }
              ]
            }
          }
        }
      },
      'application/strategic-merge-patch+json'
    )
    const containers = sidecar.body.spec.template.spec.containers
    expect(containers.map((c: Json) => [c.name, c.image])).toEqual([
      ['proxy', 'proxy:1'],
      ['app', 'app:1']
    ])
    expect(containers[1].env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' }
    ])
    const removed = await api(
      'PATCH',
      `${DEPLOYMENTS}/smp`,
      { spec: { template: { spec: { containers: [{ name: 'proxy', $patch: 'delete' }] } } } },
      'application/strategic-merge-patch+json'
    )
    expect(removed.body.spec.template.spec.containers.map((c: Json) => c.name)).toEqual(['app'])
    expect(JSON.stringify(removed.body)).not.toContain('$')
  })

  it('applies JSON merge and JSON patches', async () => {
    const merged = await api(
      'PATCH',
      `${DEPLOYMENTS}/smp`,
      { metadata: { labels: { app: null, tier: 'web' } } },
      'application/merge-patch+json'
    )
    expect(merged.body.metadata.labels).toEqual({ tier: 'web' })
    const patched = await api(
      'PATCH',
      `${DEPLOYMENTS}/smp`,
      [{ op: 'replace', path: '/spec/replicas', value: 3 }],
      'application/json-patch+json'
    )
    expect(patched.body.spec.replicas).toBe(3)
  })

  it('lists with label and field selectors', async () => {
    const cms = '/api/v1/namespaces/default/configmaps'
    for (const [name, tier] of [
      ['a', 'web'],
      ['b', 'db'],
      ['c', 'web']
    ])
      await api('POST', cms, { metadata: { name, labels: { tier } } })
    const web = await api(
      'GET',
      `${cms}?labelSelector=${encodeURIComponent('tier in (web),tier!=db')}`
    )
    expect(web.body.items.map((o: Json) => o.metadata.name)).toEqual(['a', 'c'])
    const byName = await api('GET', `${cms}?fieldSelector=metadata.name%3Db`)
    expect(byName.body.items.map((o: Json) => o.metadata.name)).toEqual(['b'])
  })

  it('decodes protobuf Secret writes as client-go sends them', async () => {
    const body = protobufSecret(
      'proto',
      'default',
      { owner: 'helm' },
      { release: Buffer.from('opaque\u0000bytes') }
    )
    const created = await api(
      'POST',
      '/api/v1/namespaces/default/secrets',
      body,
      'application/vnd.kubernetes.protobuf'
    )
    expect(created.status).toBe(201)
    const read = (await api('GET', '/api/v1/namespaces/default/secrets/proto')).body
    expect(read.metadata.labels).toEqual({ owner: 'helm' })
    expect(Buffer.from(read.data.release, 'base64').toString()).toBe('opaque\u0000bytes')
    expect(read.type).toBe('helm.sh/release.v1')
  })

  it('serves custom kinds once their CRD exists, refusing strategic merge patches for them', async () => {
    const widgets = '/apis/example.com/v1/namespaces/default/widgets'
    expect(
      (
        await api('POST', widgets, {
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { name: 'w' }
        })
      ).status
    ).toBe(404)
    await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true }]
      }
    })
    expect(
      (
        await api('POST', widgets, {
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { name: 'w' },
          spec: { size: 1 }
        })
      ).status
    ).toBe(201)
    expect(
      (
        await api(
          'PATCH',
          `${widgets}/w`,
          { spec: { size: 2 } },
          'application/strategic-merge-patch+json'
        )
      ).status
    ).toBe(415)
    expect(
      (await api('PATCH', `${widgets}/w`, { spec: { size: 2 } }, 'application/merge-patch+json'))
        .body.metadata.generation
    ).toBe(2)
  })

  it('deletes dependents with the owner unless the delete orphans them', async () => {
    await api('POST', DEPLOYMENTS, deployment('gc'))
    await api('POST', DEPLOYMENTS, deployment('orphan'))
    expect(
      sim.list('apps/v1', 'ReplicaSet', 'default', { labelSelector: 'app in (gc,orphan)' })
    ).toHaveLength(2)
    await api('DELETE', `${DEPLOYMENTS}/gc`, { propagationPolicy: 'Background' })
    await api('DELETE', `${DEPLOYMENTS}/orphan`, { propagationPolicy: 'Orphan' })
    const left = sim.list('apps/v1', 'ReplicaSet', 'default', {
      labelSelector: 'app in (gc,orphan)'
    })
    expect(left.map(rs => rs.metadata.labels?.app)).toEqual(['orphan'])
    expect(left[0]?.metadata.ownerReferences).toEqual([])
    expect(sim.list('v1', 'Pod', 'default', { labelSelector: 'app=gc' })).toEqual([])
  })
})

describe('server-side apply', () => {
  const apply = (body: unknown, manager: string, force = false) =>
    api(
      'PATCH',
      `${DEPLOYMENTS}/ssa?fieldManager=${manager}&force=${force}`,
      body,
      'application/apply-patch+yaml'
    )

  it('creates, removes what a manager stops applying, and reports conflicts with other managers', async () => {
    const withLabel = deployment('ssa')
    const created = await apply(
      { ...withLabel, metadata: { ...withLabel.metadata, labels: { app: 'ssa', extra: 'yes' } } },
      'helm'
    )
    expect(created.status).toBe(200)
    expect(created.body.metadata.managedFields[0]).toMatchObject({
      manager: 'helm',
      operation: 'Apply'
    })
    const second = await apply(deployment('ssa'), 'helm')
    expect(second.body.metadata.labels).toEqual({ app: 'ssa' })

    await api(
      'PATCH',
      `${DEPLOYMENTS}/ssa?fieldManager=kubectl-set`,
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:9' }] } } } },
      'application/strategic-merge-patch+json'
    )
    const conflicting = await apply(deployment('ssa', 'app:2'), 'helm')
    expect(conflicting.status).toBe(409)
    expect(conflicting.body.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-set" using apps/v1: .spec.template.spec.containers[name="app"].image'
    )
    const forced = await apply(deployment('ssa', 'app:2'), 'helm', true)
    expect(forced.body.spec.template.spec.containers[0].image).toBe('app:2')
  })
})

describe('watch', () => {
  async function* lines(res: Response) {
    const reader = res.body!.getReader()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += new TextDecoder().decode(value)
      let index
      while ((index = buffer.indexOf('\n')) >= 0) {
        yield JSON.parse(buffer.slice(0, index))
        buffer = buffer.slice(index + 1)
      }
    }
  }

  it('sends initial events, the initial-events-end bookmark, then changes (WatchList)', async () => {
    const cms = '/api/v1/namespaces/default/configmaps'
    await api('POST', cms, { metadata: { name: 'watched', labels: { w: 'yes' } } })
    const controller = new AbortController()
    const res = await fetch(
      `${sim.url}${cms}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=w%3Dyes`,
      { signal: controller.signal }
    )
    const events = lines(res)
    expect((await events.next()).value).toMatchObject({
      type: 'ADDED',
      object: { metadata: { name: 'watched' } }
    })
    expect((await events.next()).value).toMatchObject({
      type: 'BOOKMARK',
      object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } }
    })
    await api('PATCH', `${cms}/watched`, { data: { k: 'v' } }, 'application/merge-patch+json')
    expect((await events.next()).value).toMatchObject({
      type: 'MODIFIED',
      object: { data: { k: 'v' } }
    })
    await api(
      'PATCH',
      `${cms}/watched`,
      { metadata: { labels: { w: 'no' } } },
      'application/merge-patch+json'
    )
    expect((await events.next()).value).toMatchObject({
      type: 'DELETED',
      object: { metadata: { name: 'watched' } }
    })
    controller.abort()
  })

  it('resumes from a resourceVersion and answers 410 Expired when it is too old for the history', async () => {
    const cms = '/api/v1/namespaces/default/configmaps'
    const list = await api('GET', cms)
    await api('POST', cms, { metadata: { name: 'later' } })
    const controller = new AbortController()
    const res = await fetch(
      `${sim.url}${cms}?watch=1&resourceVersion=${list.body.metadata.resourceVersion}`,
      { signal: controller.signal }
    )
    expect((await lines(res).next()).value).toMatchObject({
      type: 'ADDED',
      object: { metadata: { name: 'later' } }
    })
    controller.abort()

    const forgetful = await startK8sSimulator({ watchHistory: 2 })
    try {
      const path = '/api/v1/namespaces/default/configmaps'
      const before = (await (await fetch(forgetful.url + path)).json()) as Json
      for (const name of ['x', 'y', 'z'])
        forgetful.put({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, namespace: 'default' }
        })
      const expired = await fetch(
        `${forgetful.url}${path}?watch=1&resourceVersion=${before.metadata.resourceVersion}`
      )
      expect((await lines(expired).next()).value).toMatchObject({
        type: 'ERROR',
        object: { reason: 'Expired', code: 410 }
      })
    } finally {
      await forgetful.stop()
    }
  })
})

describe('test controls', () => {
  it('injects a 500 for a number of requests, then serves normally', async () => {
    sim.injectFault({ status: 500, count: 1, pathPattern: '/configmaps/a', method: 'GET' })
    expect((await api('GET', '/api/v1/namespaces/default/configmaps/a')).body).toMatchObject({
      code: 500,
      reason: 'InternalError'
    })
    expect((await api('GET', '/api/v1/namespaces/default/configmaps/a')).status).toBe(200)
  })

  it('drops connections and slows answers', async () => {
    const id = sim.injectFault({ drop: true, pathPattern: '/configmaps/b' })
    await expect(fetch(`${sim.url}/api/v1/namespaces/default/configmaps/b`)).rejects.toThrow()
    sim.removeFault(id)
    sim.injectFault({ slowMs: 150, count: 1, pathPattern: '/configmaps/b' })
    const started = Date.now()
    expect((await api('GET', '/api/v1/namespaces/default/configmaps/b')).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  })

  it('a pod becomes ready, then fails later when its image is marked so', async () => {
    sim.failLater('app:flaky', 100)
    await api('POST', DEPLOYMENTS, deployment('flaky', 'app:flaky'))
    expect(sim.get('apps/v1', 'Deployment', 'default', 'flaky')?.status).toMatchObject({
      availableReplicas: 1
    })
    const failed = await new Promise<KubeObject | undefined>(resolve => {
      const check = setInterval(() => {
        const flaky = sim.get('apps/v1', 'Deployment', 'default', 'flaky')
        if (statusOf(flaky).availableReplicas === undefined) {
          clearInterval(check)
          resolve(flaky)
        }
      }, 20)
    })
    expect(conditionsOf(failed)).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Available', status: 'False' })])
    )
    const pod = sim.list('v1', 'Pod', 'default', { labelSelector: 'app=flaky' })[0]
    expect(waitingReason(pod)).toBe('CrashLoopBackOff')
  })

  it('records the requests it served', async () => {
    sim.clearRequests()
    await api('GET', '/version')
    expect(sim.requests()).toEqual([
      expect.objectContaining({ method: 'GET', path: '/version', status: 200 })
    ])
  })
})

/** The bytes client-go sends: `k8s\0` + runtime.Unknown{typeMeta, raw Secret}. */
function protobufSecret(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  data: Record<string, Buffer>
): Uint8Array {
  const varint = (n: number) => {
    const out: number[] = []
    while (n > 127) {
      out.push((n & 0x7f) | 0x80)
      n >>>= 7
    }
    out.push(n)
    return Buffer.from(out)
  }
  const field = (number: number, value: Buffer | string) => {
    const bytes = typeof value === 'string' ? Buffer.from(value) : value
    return Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes])
  }
  const entry = (number: number, key: string, value: Buffer | string) =>
    field(number, Buffer.concat([field(1, key), field(2, value)]))
  const meta = Buffer.concat([
    field(1, name),
    field(3, namespace),
    ...Object.entries(labels).map(([k, v]) => entry(11, k, v))
  ])
  const secret = Buffer.concat([
    field(1, meta),
    ...Object.entries(data).map(([k, v]) => entry(2, k, v)),
    field(3, 'helm.sh/release.v1')
  ])
  const typeMeta = Buffer.concat([field(1, 'v1'), field(2, 'Secret')])
  return Buffer.concat([
    Buffer.from('k8s\u0000', 'binary'),
    field(1, typeMeta),
    field(2, secret),
    field(4, 'application/vnd.kubernetes.protobuf')
  ])
}
