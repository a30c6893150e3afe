import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { HelmMajor } from '../support/helm-tools.js'
import { runHelm, runKubectl } from '../support/helm-tools.js'
import { TINY_CHART } from './chart-fixture.js'
import type { K8sSimulator } from './simulator.js'
import { startK8sSimulator } from './simulator.js'

describe('HTTPS with a bearer token, so a kubeconfig’s credentials are provably used', () => {
  let sim: K8sSimulator

  beforeAll(async () => {
    sim = await startK8sSimulator({ tls: true, token: 'sekret-token' })
  })
  afterAll(async () => {
    await sim.stop()
  })

  it.each<HelmMajor>([3, 4])(
    'Helm %i installs through the kubeconfig with CA and token',
    async version => {
      expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      const result = await runHelm(version, sim.kubeconfigPath, [
        'install',
        `tls${version}`,
        TINY_CHART,
        '-n',
        `tls${version}`,
        '--create-namespace',
        '--wait'
      ])
      expect(result.code).toBe(0)
      expect(sim.releases(`tls${version}`).map(r => r.status)).toEqual(['deployed'])
    }
  )

  it('refuses a kubeconfig with the wrong token (401), as an API server does', async () => {
    const kubeconfig = readFileSync(sim.kubeconfigPath, 'utf8')
    expect(kubeconfig).toContain('token: sekret-token')
    expect(kubeconfig).toContain('certificate-authority-data: ')
    const wrong = join(sim.kubeconfigPath, '..', 'wrong-token')
    writeFileSync(wrong, kubeconfig.replace('sekret-token', 'other'), { mode: 0o600 })
    const result = await runKubectl(4, wrong, ['get', 'pods', '-n', 'tls4'])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('You must be logged in to the server (Unauthorized)')
    const right = await runKubectl(4, sim.kubeconfigPath, ['get', 'pods', '-n', 'tls4'])
    expect(right.stdout).toMatch(/tls4-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running/)
  })
})
