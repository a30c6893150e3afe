/**
 * Everything the demo runs on, on this machine and on loopback only: a real OCI registry, a real
 * Prometheus, the Kubernetes API simulator (driven by the real Helm) with the demo's pod runner
 * serving the deployed models for real, the GitHub API simulator, and production traffic.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGitHubSimulator, type GitHubSimulator } from '../test/github-sim/index.js'
import { startK8sSimulator, type K8sSimulator } from '../test/k8s-sim/simulator.js'
import { pushBusyboxBase, type BaseImage } from '../test/support/base-images.js'
import { PodRunner } from '../test/support/pod-runner.js'
import { startPrometheus, type TestPrometheus } from '../test/support/prometheus.js'
import { startRegistry, type TestRegistry } from '../test/support/registry.js'

export const NAMESPACES = ['dev', 'staging', 'prod']

export interface World {
  dir: string
  registry: TestRegistry
  base: BaseImage
  prometheus: TestPrometheus
  k8s: K8sSimulator
  github: GitHubSimulator
  pods: PodRunner
  /** Steady traffic to the pods serving in a namespace, following them as they change. */
  trafficTo(namespace: string): Promise<void>
  stop(): Promise<void>
}

export async function startWorld(log: (line: string) => void): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'mlops-demo-'))
  const stops: (() => Promise<void>)[] = []
  try {
    const registry = await startRegistry()
    stops.push(() => registry.stop())
    log(`OCI registry (Debian docker-registry) at ${registry.url}`)
    const base = await pushBusyboxBase(registry.host, 'base/serving')
    const k8s = await startK8sSimulator({ rolloutDelayMs: 300 })
    stops.push(() => k8s.stop())
    log(`Kubernetes API simulator at ${k8s.url} (kubeconfig ${k8s.kubeconfigPath})`)
    const github = await startGitHubSimulator({ acceptAnySha: true })
    stops.push(() => github.stop())
    log(`GitHub API simulator at ${github.url}`)
    const targetsFile = join(dir, 'pods.json')
    const pods = new PodRunner({
      sim: k8s,
      namespaces: NAMESPACES,
      workDir: join(dir, 'images'),
      targetsFile,
      log
    })
    await pods.start()
    stops.push(() => pods.stop())
    const prometheus = await startPrometheus({
      jobs: [{ job: 'pods', fileSd: targetsFile }],
      rules: ALERT_RULES
    })
    stops.push(() => prometheus.stop())
    log(`Prometheus at ${prometheus.url}, scraping the pods every second`)

    return {
      dir,
      registry,
      base,
      prometheus,
      k8s,
      github,
      pods,
      trafficTo: namespace => pods.sendTraffic(namespace),
      stop: async () => {
        for (const stop of stops.reverse()) await stop().catch(() => undefined)
        await rm(dir, { recursive: true, force: true })
      }
    }
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
    throw error
  }
}

/** An alerting rule a platform team would have: the prod model answering with errors. */
const ALERT_RULES = `
groups:
  - name: model
    rules:
      - alert: ModelHighErrorRate
        expr: sum by (namespace) (rate(http_requests_total{namespace="prod", code=~"5.."}[10s])) / sum by (namespace) (rate(http_requests_total{namespace="prod"}[10s])) > 0.05
        labels:
          severity: page
`
