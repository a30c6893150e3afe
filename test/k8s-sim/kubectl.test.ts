import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { HelmMajor } from '../support/helm-tools.js'
import { runHelm, runKubectl } from '../support/helm-tools.js'
import { TINY_CHART } from './chart-fixture.js'
import type { K8sSimulator } from './simulator.js'
import { startK8sSimulator } from './simulator.js'

describe.each<HelmMajor>([3, 4])('kubectl shipped with Helm %i against the simulator', version => {
  let sim: K8sSimulator
  const ns = 'kubectl'
  const kubectl = (...args: string[]) =>
    runKubectl(version, sim.kubeconfigPath, ['-n', ns, ...args], 30000)

  beforeAll(async () => {
    sim = await startK8sSimulator()
    const installed = await runHelm(version, sim.kubeconfigPath, [
      'install',
      'web',
      TINY_CHART,
      '-n',
      ns,
      '--create-namespace',
      '--wait'
    ])
    expect(installed.code).toBe(0)
  })
  afterAll(async () => {
    await sim.stop()
  })

  it('kubectl get prints the columns a cluster prints', async () => {
    const result = await kubectl('get', 'deploy,svc,pods')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/deployment\.apps\/web\s+2\/2\s+2\s+2\s+\d+s/)
    expect(result.stdout).toMatch(/service\/web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP/)
    expect(
      result.stdout.match(/pod\/web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0/g)
    ).toHaveLength(2)
    const json = await kubectl('get', 'deployment', 'web', '-o', 'json')
    expect(JSON.parse(json.stdout)).toMatchObject({
      kind: 'Deployment',
      status: { readyReplicas: 2 }
    })
  })

  it('kubectl rollout status waits for a delayed rollout through its watch', async () => {
    sim.setRolloutDelay(300)
    try {
      const set = await kubectl(
        'set',
        'image',
        'deployment/web',
        'app=registry.local/tiny-app:3.0.0'
      )
      expect(set.code).toBe(0)
      const status = await kubectl('rollout', 'status', 'deployment/web', '--timeout', '20s')
      expect(status.code).toBe(0)
      expect(status.stdout).toContain('Waiting for deployment "web" rollout to finish')
      expect(status.stdout).toContain('deployment "web" successfully rolled out')
    } finally {
      sim.setRolloutDelay(0)
    }
  })

  it('kubectl rollout status fails when the progress deadline passes', async () => {
    sim.markImageBroken('*:never')
    const patched = await kubectl(
      'patch',
      'deployment',
      'web',
      '-p',
      JSON.stringify({
        spec: {
          progressDeadlineSeconds: 1,
          template: {
            spec: { containers: [{ name: 'app', image: 'registry.local/tiny-app:never' }] }
          }
        }
      })
    )
    expect(patched.code).toBe(0)
    const status = await kubectl('rollout', 'status', 'deployment/web', '--timeout', '20s')
    expect(status.code).not.toBe(0)
    expect(status.stderr).toContain('deployment "web" exceeded its progress deadline')
  })

  it('kubectl rollout undo brings back the previous template', async () => {
    const undo = await kubectl('rollout', 'undo', 'deployment/web')
    expect(undo.code).toBe(0)
    const status = await kubectl('rollout', 'status', 'deployment/web', '--timeout', '20s')
    expect(status.code).toBe(0)
    const image = await kubectl(
      'get',
      'deployment',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}'
    )
    expect(image.stdout).toBe('registry.local/tiny-app:3.0.0')
  })
})
