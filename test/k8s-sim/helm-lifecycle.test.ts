import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { HelmMajor } from '../support/helm-tools.js'
import { runHelm } from '../support/helm-tools.js'
import { TINY_CHART, renderedObjects } from './chart-fixture.js'
import { containersOf, imageOf, specOf } from './read-back.js'
import type { K8sSimulator } from './simulator.js'
import { startK8sSimulator } from './simulator.js'
import type { KubeObject } from './types.js'

describe.each<HelmMajor>([3, 4])(
  'Helm %i against the simulator: install, upgrade, history, rollback, uninstall',
  version => {
    let sim: K8sSimulator
    const ns = `life-${version}`
    const release = 'tiny'
    const helm = async (...args: string[]) => {
      const result = await runHelm(version, sim.kubeconfigPath, args)
      if (result.code !== 0)
        throw new Error(`helm ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`)
      return result.stdout
    }
    const deployment = () => sim.get('apps/v1', 'Deployment', ns, release)
    const container = () => containersOf(deployment())[0]

    /** Every object Helm rendered for the latest revision exists with the rendered fields. */
    const expectObjectsAsRendered = () => {
      const latest = sim.releases(ns, release).at(-1)
      const rendered = renderedObjects(latest?.manifest ?? '')
      expect(rendered.map(o => o.kind).sort()).toEqual(['Deployment', 'Service'])
      for (const object of rendered) {
        const live = sim.get(
          object.apiVersion ?? '',
          object.kind ?? '',
          ns,
          object.metadata.name ?? ''
        ) as KubeObject
        expect(live).toBeDefined()
        const { metadata, ...body } = object
        expect(live).toMatchObject(body)
        // Helm marks what it owns on top of the rendered metadata.
        expect(live.metadata.labels).toEqual({
          ...metadata.labels,
          'app.kubernetes.io/managed-by': 'Helm'
        })
        expect(live.metadata.annotations).toMatchObject({
          'meta.helm.sh/release-name': release,
          'meta.helm.sh/release-namespace': ns
        })
      }
    }

    beforeAll(async () => {
      sim = await startK8sSimulator()
    })
    afterAll(async () => {
      await sim.stop()
    })

    it('installs the chart with upgrade --install and waits for it', async () => {
      const out = await helm(
        'upgrade',
        '--install',
        release,
        TINY_CHART,
        '-n',
        ns,
        '--create-namespace',
        '--wait',
        '--timeout',
        '30s'
      )
      expect(out).toContain('STATUS: deployed')
      expectObjectsAsRendered()
      const service = sim.get('v1', 'Service', ns, release)
      expect(specOf(service).clusterIP).toMatch(/^10\.96\./)
      expect(deployment()?.status).toMatchObject({
        observedGeneration: 1,
        replicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
        updatedReplicas: 2
      })
      const replicaSets = sim.list('apps/v1', 'ReplicaSet', ns)
      expect(replicaSets).toHaveLength(1)
      expect(replicaSets[0]?.metadata.ownerReferences).toEqual([
        expect.objectContaining({
          kind: 'Deployment',
          name: release,
          uid: deployment()?.metadata.uid,
          controller: true
        })
      ])
      expect(sim.list('v1', 'Pod', ns)).toHaveLength(2)
    })

    it('upgrades: the Deployment gets the new image and env, a new ReplicaSet takes over', async () => {
      await helm(
        'upgrade',
        release,
        TINY_CHART,
        '-n',
        ns,
        '--set',
        'image=registry.local/tiny-app:2.0.0',
        '--set',
        'env.MODE=fast',
        '--wait',
        '--timeout',
        '30s'
      )
      expectObjectsAsRendered()
      expect(container()).toMatchObject({
        image: 'registry.local/tiny-app:2.0.0',
        env: [{ name: 'MODE', value: 'fast' }]
      })
      expect(deployment()?.metadata.generation).toBe(2)
      const replicaSets = sim.list('apps/v1', 'ReplicaSet', ns)
      expect(replicaSets.map(rs => specOf(rs).replicas).sort()).toEqual([0, 2])
      const pods = sim.list('v1', 'Pod', ns)
      expect(pods.map(p => imageOf(p))).toEqual([
        'registry.local/tiny-app:2.0.0',
        'registry.local/tiny-app:2.0.0'
      ])
    })

    it('lists both revisions in history', async () => {
      const history = JSON.parse(await helm('history', release, '-n', ns, '-o', 'json')) as Array<{
        revision: number
        status: string
      }>
      expect(history.map(h => [h.revision, h.status])).toEqual([
        [1, 'superseded'],
        [2, 'deployed']
      ])
    })

    it('rolls back to revision 1: image restored and the env the upgrade added removed', async () => {
      await helm('rollback', release, '1', '-n', ns, '--wait', '--timeout', '30s')
      expectObjectsAsRendered()
      expect(container()?.image).toBe('registry.local/tiny-app:1.0.0')
      expect(container()?.env).toBeUndefined()
      const history = JSON.parse(await helm('history', release, '-n', ns, '-o', 'json')) as Array<{
        revision: number
        status: string
        description: string
      }>
      expect(history.at(-1)).toMatchObject({
        revision: 3,
        status: 'deployed',
        description: 'Rollback to 1'
      })
      expect(sim.releases(ns, release).map(r => r.status)).toEqual([
        'superseded',
        'superseded',
        'deployed'
      ])
      expect(deployment()?.status).toMatchObject({ readyReplicas: 2, updatedReplicas: 2 })
    })

    it('uninstalls: objects, their ReplicaSets and Pods, and the release records are gone', async () => {
      await helm('uninstall', release, '-n', ns, '--wait', '--timeout', '30s')
      expect(deployment()).toBeUndefined()
      expect(sim.get('v1', 'Service', ns, release)).toBeUndefined()
      expect(sim.list('apps/v1', 'ReplicaSet', ns)).toEqual([])
      expect(sim.list('v1', 'Pod', ns)).toEqual([])
      expect(sim.releases(ns, release)).toEqual([])
      expect(await helm('list', '-n', ns, '-q')).toBe('')
    })
  }
)
