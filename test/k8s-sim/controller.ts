import { ApiError } from './api-error.js'
import type { ResourceType } from './catalog.js'
import type { Cluster } from './cluster.js'
import type { ImageRule } from './images.js'
import { ruleFor } from './images.js'
import type { StoreEvent } from './store.js'
import type { JsonMap, KubeObject } from './types.js'
import { clone, isJsonMap } from './types.js'
import {
  REVISION,
  condition,
  conditionOf,
  controllerOf,
  imagesOf,
  isReady,
  maxUnavailable,
  newPod,
  newReplicaSet,
  num,
  omitZero,
  podStatus,
  podTemplateHash,
  revisionOf,
  sameTemplate,
  timestamp,
  withoutVersion
} from './workload-objects.js'

const MANAGER = 'kube-controller-manager'
const KUBELET = 'kubelet'

/**
 * A tiny kube-controller-manager and kubelet: Deployments get ReplicaSets (one per pod template,
 * named by `pod-template-hash`), ReplicaSets get Pods, Pods become ready after the rollout delay
 * unless their image is marked broken, old ReplicaSets are scaled down once the new one is
 * available, and the status fields and conditions follow, so Helm's waiters and `kubectl rollout
 * status` read what they would on a cluster. Jobs complete (or fail) after the same delay.
 */
export class Controller {
  rolloutDelayMs = 0
  readonly rules: ImageRule[] = []
  private queue = new Map<string, () => void>()
  private scheduled = false
  private timers = new Set<NodeJS.Timeout>()
  private unsubscribe: (() => void) | undefined
  /** When the current rollout of each Deployment (by uid and generation) started. */
  private rolloutStart = new Map<string, { generation: number; at: number }>()
  private stopped = false

  constructor(private readonly cluster: Cluster) {}

  start(): void {
    this.unsubscribe = this.cluster.store.subscribe(event => this.observe(event))
  }

  stop(): void {
    this.stopped = true
    this.unsubscribe?.()
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.queue.clear()
  }

  private t(apiVersion: string, kind: string): ResourceType {
    return this.cluster.type(apiVersion, kind)
  }

  private observe(event: StoreEvent): void {
    const { object } = event
    const ns = object.metadata.namespace
    const name = object.metadata.name ?? ''
    const owner = controllerOf(object)
    switch (object.kind) {
      case 'Deployment':
        if (event.type !== 'DELETED')
          this.enqueue(`deploy/${ns}/${name}`, () => this.syncDeployment(ns, name))
        break
      case 'ReplicaSet':
        if (event.type !== 'DELETED')
          this.enqueue(`rs/${ns}/${name}`, () => this.syncReplicaSet(ns, name))
        if (owner?.kind === 'Deployment')
          this.enqueue(`deploy/${ns}/${owner.name}`, () => this.syncDeployment(ns, owner.name))
        break
      case 'Pod':
        if (event.type === 'ADDED') this.enqueue(`pod/${ns}/${name}`, () => this.startPod(object))
        if (owner?.kind === 'ReplicaSet')
          this.enqueue(`rs/${ns}/${owner.name}`, () => this.syncReplicaSet(ns, owner.name))
        break
      case 'Job':
        if (event.type === 'ADDED') this.enqueue(`job/${ns}/${name}`, () => this.startJob(object))
        break
      case 'Service':
        if (event.type !== 'DELETED')
          this.enqueue(`svc/${ns}/${name}`, () => this.syncService(ns, name))
        break
    }
  }

  /** Work runs after the write that caused it has been answered, once per object per turn. */
  private enqueue(key: string, work: () => void): void {
    if (this.stopped) return
    this.queue.set(key, work)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.settle()
    })
  }

  /**
   * Runs the queued work until nothing is left. The server calls it before answering a write, so
   * with no rollout delay a client's next read already sees the rollout finished, as if a fast
   * cluster had done it between two requests.
   */
  settle(): void {
    for (let round = 0; round < 1000 && this.queue.size > 0; round++) {
      const batch = [...this.queue.values()]
      this.queue.clear()
      for (const job of batch) {
        try {
          job()
        } catch (error) {
          // A conflicting write by a client wins; the next event brings the controller back.
          // Anything else is a simulator bug: say so loudly without taking the server down.
          if (!(error instanceof ApiError)) console.error('k8s-sim controller:', error)
        }
      }
    }
  }

  private later(ms: number, work: () => void): void {
    if (this.stopped) return
    if (ms <= 0) {
      work()
      return
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (this.stopped) return
      work()
      this.settle()
    }, ms)
    this.timers.add(timer)
  }

  private syncDeployment(ns: string | undefined, name: string): void {
    const types = { deploy: this.t('apps/v1', 'Deployment'), rs: this.t('apps/v1', 'ReplicaSet') }
    const deployment = this.cluster.find(types.deploy, ns, name)
    if (!deployment || deployment.metadata.deletionTimestamp) return
    const spec = (deployment.spec ?? {}) as JsonMap
    const template = clone(spec.template ?? {}) as JsonMap
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1
    const owned = this.cluster.store
      .list(types.rs, ns)
      .filter(rs => controllerOf(rs)?.uid === deployment.metadata.uid)
    const hash = podTemplateHash(template)
    const maxRevision = Math.max(0, ...owned.map(revisionOf))
    let current = owned.find(rs =>
      sameTemplate((rs.spec as JsonMap | undefined)?.template, template)
    )
    let created = false
    if (!current) {
      current = this.cluster.create(
        types.rs,
        ns,
        newReplicaSet(deployment, template, hash, replicas, maxRevision + 1),
        { manager: MANAGER }
      )
      created = true
    } else if (revisionOf(current) < maxRevision) {
      current.metadata.annotations = {
        ...current.metadata.annotations,
        [REVISION]: String(maxRevision + 1)
      }
      current = this.cluster.replace(
        types.rs,
        ns,
        current.metadata.name ?? '',
        withoutVersion(current),
        { manager: MANAGER }
      )
    }
    const newRs = current
    const old = owned.filter(rs => rs.metadata.uid !== newRs.metadata.uid)
    const newStatus = (newRs.status ?? {}) as JsonMap
    const newAvailable = num(newStatus.availableReplicas)
    const recreate = isJsonMap(spec.strategy) && spec.strategy.type === 'Recreate'
    const oldPods = old.reduce(
      (sum, rs) => sum + num((rs.status as JsonMap | undefined)?.replicas),
      0
    )
    const newTarget = recreate && oldPods > 0 ? 0 : replicas
    this.scale(types.rs, newRs, newTarget)
    if (recreate || newAvailable >= replicas) for (const rs of old) this.scale(types.rs, rs, 0)

    const all = [newRs, ...old].map(rs => (rs.status ?? {}) as JsonMap)
    const total = all.reduce((s, st) => s + num(st.replicas), 0)
    const ready = all.reduce((s, st) => s + num(st.readyReplicas), 0)
    const available = all.reduce((s, st) => s + num(st.availableReplicas), 0)
    const updated = num(newStatus.replicas)
    const generation = deployment.metadata.generation ?? 1
    const key = deployment.metadata.uid ?? ''
    let start = this.rolloutStart.get(key)
    if (!start || start.generation !== generation) {
      start = { generation, at: Date.now() }
      this.rolloutStart.set(key, start)
    }
    const complete =
      updated === replicas && num(newStatus.availableReplicas) === replicas && total === replicas
    const deadlineMs =
      (typeof spec.progressDeadlineSeconds === 'number' ? spec.progressDeadlineSeconds : 600) * 1000
    const previous = (deployment.status ?? {}) as JsonMap
    const previousProgress = conditionOf(previous, 'Progressing')
    const stuck =
      !complete &&
      (Date.now() - start.at >= deadlineMs ||
        (previousProgress?.reason === 'ProgressDeadlineExceeded' &&
          num(previous.observedGeneration) === generation))
    if (!complete && !stuck)
      this.later(Math.max(0, start.at + deadlineMs - Date.now()) + 5, () =>
        this.syncDeployment(ns, name)
      )
    const rsName = newRs.metadata.name ?? ''
    const progressing = complete
      ? {
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${rsName}" has successfully progressed.`
        }
      : stuck
        ? {
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${rsName}" has timed out progressing.`
          }
        : created
          ? {
              status: 'True',
              reason: 'NewReplicaSetCreated',
              message: `Created new replica set "${rsName}"`
            }
          : {
              status: 'True',
              reason: 'ReplicaSetUpdated',
              message: `ReplicaSet "${rsName}" is progressing.`
            }
    const minAvailable = replicas - maxUnavailable(spec, replicas)
    const availability =
      available >= minAvailable
        ? {
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.'
          }
        : {
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.'
          }
    const status: JsonMap = omitZero({
      observedGeneration: generation,
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available, replicas - available)
    })
    status.conditions = [
      condition(previous, 'Available', availability),
      condition(previous, 'Progressing', progressing)
    ]
    const revision = String(revisionOf(newRs))
    if (deployment.metadata.annotations?.[REVISION] !== revision) {
      deployment.metadata.annotations = { ...deployment.metadata.annotations, [REVISION]: revision }
      this.cluster.replace(types.deploy, ns, name, withoutVersion(deployment), { manager: MANAGER })
    }
    this.writeStatus(types.deploy, ns, name, status)
  }

  private scale(type: ResourceType, rs: KubeObject, replicas: number): void {
    const spec = (rs.spec ?? {}) as JsonMap
    if (spec.replicas === replicas) return
    const next = withoutVersion(rs)
    ;(next.spec as JsonMap).replicas = replicas
    next.metadata.annotations = {
      ...next.metadata.annotations,
      'deployment.kubernetes.io/desired-replicas': String(replicas)
    }
    this.cluster.replace(type, rs.metadata.namespace, rs.metadata.name ?? '', next, {
      manager: MANAGER
    })
  }

  private syncReplicaSet(ns: string | undefined, name: string): void {
    const types = { rs: this.t('apps/v1', 'ReplicaSet'), pod: this.t('v1', 'Pod') }
    const rs = this.cluster.find(types.rs, ns, name)
    if (!rs || rs.metadata.deletionTimestamp) return
    const spec = (rs.spec ?? {}) as JsonMap
    const want = typeof spec.replicas === 'number' ? spec.replicas : 1
    let pods = this.cluster.store
      .list(types.pod, ns)
      .filter(p => controllerOf(p)?.uid === rs.metadata.uid)
    if (pods.length < want) {
      for (let i = pods.length; i < want; i++) {
        this.cluster.create(types.pod, ns, newPod(rs), { manager: MANAGER })
      }
      return
    }
    if (pods.length > want) {
      const doomed = [...pods]
        .sort((a, b) => Number(isReady(a)) - Number(isReady(b)))
        .slice(0, pods.length - want)
      for (const pod of doomed) this.cluster.delete(types.pod, ns, pod.metadata.name ?? '')
      pods = pods.filter(p => !doomed.includes(p))
    }
    const ready = pods.filter(isReady).length
    this.writeStatus(types.rs, ns, name, {
      replicas: pods.length,
      ...omitZero({
        fullyLabeledReplicas: pods.length,
        readyReplicas: ready,
        availableReplicas: ready
      }),
      observedGeneration: rs.metadata.generation ?? 1
    })
  }

  private startPod(pod: KubeObject): void {
    const types = { pod: this.t('v1', 'Pod') }
    const ns = pod.metadata.namespace
    const name = pod.metadata.name ?? ''
    const images = imagesOf(pod)
    const restartPolicy = String((pod.spec as JsonMap | undefined)?.restartPolicy ?? 'Always')
    const runsToCompletion = restartPolicy !== 'Always'
    const pending = podStatus(
      pod,
      'Pending',
      false,
      images.map(image => ({ image, waiting: { reason: 'ContainerCreating' } }))
    )
    this.writeStatus(types.pod, ns, name, pending, KUBELET)
    this.later(this.rolloutDelayMs, () => {
      const current = this.cluster.find(types.pod, ns, name)
      if (!current) return
      const rule = ruleFor(this.rules, images)
      if (rule?.mode === 'broken') {
        const phase = runsToCompletion ? 'Failed' : 'Pending'
        const waiting = {
          reason: rule.reason,
          message: `simulated: image ${images.join(', ')} is marked broken`
        }
        this.writeStatus(
          types.pod,
          ns,
          name,
          podStatus(
            current,
            phase,
            false,
            images.map(image => ({ image, waiting }))
          ),
          KUBELET
        )
        return
      }
      if (runsToCompletion) {
        const terminated = { exitCode: 0, reason: 'Completed' }
        this.writeStatus(
          types.pod,
          ns,
          name,
          podStatus(
            current,
            'Succeeded',
            false,
            images.map(image => ({ image, terminated }))
          ),
          KUBELET
        )
        return
      }
      this.writeStatus(
        types.pod,
        ns,
        name,
        podStatus(
          current,
          'Running',
          true,
          images.map(image => ({ image, running: true }))
        ),
        KUBELET
      )
      if (rule?.mode === 'fail-later') {
        this.later(rule.afterMs, () => {
          const still = this.cluster.find(types.pod, ns, name)
          if (!still) return
          const waiting = {
            reason: 'CrashLoopBackOff',
            message: 'simulated: the container failed after it became ready'
          }
          this.writeStatus(
            types.pod,
            ns,
            name,
            podStatus(
              still,
              'Running',
              false,
              images.map(image => ({ image, waiting, restarts: 1 }))
            ),
            KUBELET
          )
        })
      }
    })
  }

  private startJob(job: KubeObject): void {
    const type = this.t('batch/v1', 'Job')
    const ns = job.metadata.namespace
    const name = job.metadata.name ?? ''
    const spec = (job.spec ?? {}) as JsonMap
    if (spec.suspend === true) return
    const startTime = timestamp()
    this.writeStatus(type, ns, name, {
      startTime,
      active: 1,
      ready: 0,
      terminating: 0,
      uncountedTerminatedPods: {}
    })
    this.later(this.rolloutDelayMs, () => {
      const current = this.cluster.find(type, ns, name)
      if (!current) return
      const template = (spec.template ?? {}) as JsonMap
      const rule = ruleFor(this.rules, imagesOf({ metadata: {}, spec: template.spec }))
      const at = timestamp()
      if (rule?.mode === 'broken') {
        const reason = {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastProbeTime: at,
          lastTransitionTime: at
        }
        this.writeStatus(type, ns, name, {
          startTime,
          failed: num(spec.backoffLimit) + 1,
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
          conditions: [{ ...reason, type: 'FailureTarget' }, reason]
        })
        return
      }
      const done = (type: string) => ({
        type,
        status: 'True',
        reason: type === 'Complete' ? '' : 'CompletionsReached',
        message: type === 'Complete' ? '' : 'Reached expected number of succeeded pods',
        lastProbeTime: at,
        lastTransitionTime: at
      })
      this.writeStatus(type, ns, name, {
        startTime,
        completionTime: at,
        succeeded: typeof spec.completions === 'number' ? spec.completions : 1,
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
        conditions: [done('SuccessCriteriaMet'), done('Complete')]
      })
    })
  }

  private syncService(ns: string | undefined, name: string): void {
    const type = this.t('v1', 'Service')
    const service = this.cluster.find(type, ns, name)
    const spec = (service?.spec ?? {}) as JsonMap
    if (!service || spec.type !== 'LoadBalancer') return
    this.writeStatus(type, ns, name, {
      loadBalancer: { ingress: [{ ip: '127.0.0.1', ipMode: 'VIP' }] }
    })
  }

  private writeStatus(
    type: ResourceType,
    ns: string | undefined,
    name: string,
    status: JsonMap,
    manager = MANAGER
  ): void {
    const current = this.cluster.find(type, ns, name)
    if (!current) return
    const next = withoutVersion(current)
    next.status = status
    this.cluster.replace(type, ns, name, next, { manager, subresource: 'status' })
  }
}
