import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runHelm, runKubectl } from '../support/helm-tools.js'
import { TINY_CHART } from './chart-fixture.js'
import type { RemoteK8sSimulator } from './remote.js'
import { connectK8sSimulator } from './remote.js'

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')

describe('the command-line simulator, driven over its /_sim/ admin routes', () => {
  // The plain-Node launcher the demo uses (it bundles the TypeScript sources when they changed).
  const child = spawn(
    process.execPath,
    [join(root, 'test', 'k8s-sim', 'cli.mjs'), '--namespace', 'demo'],
    {
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  const exited = once(child, 'exit')
  let started: { url: string; port: number; kubeconfig: string }
  let remote: RemoteK8sSimulator

  beforeAll(async () => {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
    started = JSON.parse(line) as typeof started
    remote = connectK8sSimulator(started.url)
  })
  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
  })

  it('prints where it listens and a kubeconfig helm can use', async () => {
    expect(started.url).toBe(`http://127.0.0.1:${started.port}`)
    const result = await runHelm(3, started.kubeconfig, [
      'install',
      'cli',
      TINY_CHART,
      '--create-namespace',
      '--namespace',
      'demo',
      '--wait'
    ])
    expect(result.code).toBe(0)
    const releases = await remote.releases('demo')
    expect(releases.map(r => [r.name, r.revision, r.status])).toEqual([['cli', 1, 'deployed']])
    expect(releases[0]?.manifest).toContain('kind: Deployment')
  })

  it('offers the controls over HTTP: broken images, faults, read-back, request log', async () => {
    await remote.markImageBroken('*:cli-broken')
    await remote.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bad', namespace: 'demo' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { a: 'bad' } },
        template: {
          metadata: { labels: { a: 'bad' } },
          spec: { containers: [{ name: 'c', image: 'x:cli-broken' }] }
        }
      }
    })
    const bad = await remote.get('apps/v1', 'Deployment', 'demo', 'bad')
    expect(bad?.status).toMatchObject({ replicas: 1, unavailableReplicas: 1 })
    expect(await remote.list('v1', 'Pod', 'demo', 'a=bad')).toHaveLength(1)

    await remote.injectFault({ status: 503, count: 1, pathPattern: '/namespaces/demo/deployments' })
    const failed = await runKubectl(4, started.kubeconfig, ['get', 'deployments', '-n', 'demo'])
    const retried = await runKubectl(4, started.kubeconfig, ['get', 'deployments', '-n', 'demo'])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain(
      'Error from server (ServiceUnavailable): simulated fault: 503 injected by the test'
    )
    expect(retried.code).toBe(0)
    expect(retried.stdout).toMatch(/^bad\s+0\/1/m)
    const requests = await remote.requests()
    expect(
      requests.some(r => r.path === '/apis/apps/v1/namespaces/demo/deployments' && r.status === 503)
    ).toBe(true)
  })

  it('stops on POST /_sim/stop', async () => {
    await remote.stop()
    const [code] = (await exited) as [number | null]
    expect(code).toBe(0)
  })
})
