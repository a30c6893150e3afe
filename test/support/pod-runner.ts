/**
 * A kubelet for the simulator: the Kubernetes API is simulated, so nothing runs the pods Helm
 * deploys.
 * This runs them for real: for every ready Pod of the model chart it pulls the model layer of
 * the pod's image from the registry (by digest, with skopeo), starts the example serving
 * program on it with the pod's environment (TRACK, FAULT_*), and lists it for Prometheus
 * through a file_sd targets file. A pod that goes away stops its process.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCommand } from '../../src/lib/command.js'
import { startModelServer, type ModelServer } from '../examples/model-repo.js'
import type { K8sSimulator } from '../k8s-sim/simulator.js'
import { startLoad, type Load } from './load.js'

interface PodProcess {
  namespace: string
  pod: string
  track: string
  image: string
  server: ModelServer
}

interface PodObject {
  metadata: {
    name: string
    namespace: string
    labels?: Record<string, string>
    deletionTimestamp?: string
  }
  spec: { containers: { image: string; env?: { name: string; value?: string }[] }[] }
  status?: { conditions?: { type: string; status: string }[] }
}

export class PodRunner {
  private readonly running = new Map<string, PodProcess>()
  private readonly models = new Map<string, Promise<string>>()
  private timer: NodeJS.Timeout | undefined
  private syncing: Promise<void> = Promise.resolve()
  private traffic?: { namespace: string; rate: number; aimed: string; load?: Load }

  constructor(
    private readonly options: {
      sim: K8sSimulator
      namespaces: string[]
      /** Where pulled models are unpacked. */
      workDir: string
      /** The file_sd targets file Prometheus reads. */
      targetsFile: string
      log: (line: string) => void
    }
  ) {}

  async start(): Promise<void> {
    await this.writeTargets()
    this.timer = setInterval(() => {
      this.syncing = this.syncing
        .then(() => this.sync())
        .catch(error => this.options.log(`pods: ${String(error)}`))
    }, 300)
  }

  /** Serving URLs of the ready pods of a namespace (optionally one track), for traffic. */
  urls(namespace: string, track?: string): string[] {
    return [...this.running.values()]
      .filter(p => p.namespace === namespace && (!track || p.track === track))
      .map(p => p.server.url)
  }

  describe(namespace: string): string[] {
    return [...this.running.values()]
      .filter(p => p.namespace === namespace)
      .map(p => `${p.pod} (${p.track}, ${p.image.split('@')[1]?.slice(7, 19)})`)
  }

  /**
   * Production traffic: `rate` requests a second to every ready pod of the namespace, stable and
   * canary alike, following the pods as they come and go.
   */
  async sendTraffic(namespace: string, rate = 30): Promise<void> {
    await this.traffic?.load?.stop()
    this.traffic = { namespace, rate, aimed: '' }
    await this.aimTraffic()
  }

  private async aimTraffic(): Promise<void> {
    const traffic = this.traffic
    if (!traffic) return
    const urls = this.urls(traffic.namespace)
    if (urls.join() === traffic.aimed) return
    traffic.aimed = urls.join()
    await traffic.load?.stop()
    traffic.load = urls.length
      ? await startLoad(urls, { rate: traffic.rate, maxSeconds: 900 })
      : undefined
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.syncing
    await this.traffic?.load?.stop()
    this.traffic = undefined
    await Promise.all([...this.running.values()].map(p => p.server.stop()))
    this.running.clear()
  }

  private async sync(): Promise<void> {
    const pods = this.options.namespaces.flatMap(
      ns => this.options.sim.list('v1', 'Pod', ns) as unknown as PodObject[]
    )
    const wanted = new Map<string, PodObject>()
    for (const pod of pods) {
      const ready = pod.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True')
      const container = pod.spec.containers[0]
      if (!ready || pod.metadata.deletionTimestamp || !container?.image.includes('@sha256:'))
        continue
      wanted.set(`${pod.metadata.namespace}/${pod.metadata.name}`, pod)
    }
    let changed = false
    for (const [key, process] of this.running) {
      if (wanted.has(key)) continue
      this.running.delete(key)
      await process.server.stop()
      this.options.log(`pod ${key} stopped`)
      changed = true
    }
    for (const [key, pod] of wanted) {
      if (this.running.has(key)) continue
      const container = pod.spec.containers[0]!
      const env = Object.fromEntries(
        (container.env ?? [])
          .filter(e => e.value !== undefined && /^(TRACK|FAULT_)/.test(e.name))
          .map(e => [e.name, e.value as string])
      )
      const track = env.TRACK === 'canary' ? 'canary' : 'stable'
      const modelDir = await this.model(container.image)
      const server = await startModelServer({ modelDir, track, env })
      this.running.set(key, {
        namespace: pod.metadata.namespace,
        pod: pod.metadata.name,
        track,
        image: container.image,
        server
      })
      this.options.log(
        `pod ${key} serving ${container.image.split('/').pop()} as ${track} at ${server.url}`
      )
      changed = true
    }
    if (changed) {
      await this.writeTargets()
      await this.aimTraffic()
    }
  }

  /** The model directory of an image: its last layer, pulled by digest and unpacked once. */
  private model(image: string): Promise<string> {
    let model = this.models.get(image)
    if (!model) {
      model = (async () => {
        const dir = join(this.options.workDir, image.split('@sha256:')[1]!.slice(0, 16))
        const blobs = join(dir, 'blobs')
        await mkdir(dir, { recursive: true })
        await runCommand('skopeo', [
          'copy',
          '--quiet',
          '--src-tls-verify=false',
          `docker://${image}`,
          `dir:${blobs}`
        ])
        const manifest = JSON.parse(await readFile(join(blobs, 'manifest.json'), 'utf8')) as {
          layers: { digest: string }[]
        }
        const layer = manifest.layers[manifest.layers.length - 1]!.digest.replace('sha256:', '')
        const root = join(dir, 'root')
        await mkdir(root, { recursive: true })
        await runCommand('tar', ['-xzf', join(blobs, layer), '-C', root])
        return join(root, 'model')
      })()
      this.models.set(image, model)
      // A failed pull is tried again at the next sync, as a kubelet retries an image pull.
      model.catch(() => this.models.delete(image))
    }
    return model
  }

  private async writeTargets(): Promise<void> {
    const targets = [...this.running.values()].map(p => ({
      targets: [new URL(p.server.url).host],
      // `track` comes from the serving program's own metrics; the target adds where it runs.
      labels: { namespace: p.namespace, pod: p.pod }
    }))
    // Written aside and renamed, so that Prometheus never reads half a file.
    const partial = `${this.options.targetsFile}.partial`
    await writeFile(partial, JSON.stringify(targets))
    await rename(partial, this.options.targetsFile)
  }
}
