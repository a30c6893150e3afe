import type { JsonMap, KubeObject } from './types.js'
import { isJsonMap } from './types.js'

/**
 * The defaults the API server fills in that clients read back: Helm 3's waiter reads a
 * Deployment's rollingUpdate strategy, kstatus reads progressDeadlineSeconds, and a Service needs
 * its ClusterIP. Applied after every write; each default only fills what is missing.
 */
export function applyDefaults(object: KubeObject, allocateClusterIp: () => string): void {
  const spec = isJsonMap(object.spec) ? object.spec : undefined
  switch (object.kind) {
    case 'Deployment':
      if (!spec) return
      spec.replicas ??= 1
      spec.revisionHistoryLimit ??= 10
      spec.progressDeadlineSeconds ??= 600
      if (!isJsonMap(spec.strategy)) spec.strategy = {}
      defaultStrategy(spec.strategy as JsonMap)
      defaultPodTemplate(spec.template)
      break
    case 'ReplicaSet':
      if (!spec) return
      spec.replicas ??= 1
      defaultPodTemplate(spec.template)
      break
    case 'Job':
      if (!spec) return
      spec.completions ??= 1
      spec.parallelism ??= 1
      spec.backoffLimit ??= 6
      defaultPodTemplate(spec.template, 'Never')
      break
    case 'Pod':
      if (spec) defaultPodSpec(spec, 'Always')
      break
    case 'Service':
      if (spec) defaultService(spec, allocateClusterIp)
      break
    case 'Secret':
      object.type ??= 'Opaque'
      break
  }
}

function defaultStrategy(strategy: JsonMap): void {
  strategy.type ??= 'RollingUpdate'
  if (strategy.type === 'RollingUpdate') {
    if (!isJsonMap(strategy.rollingUpdate)) strategy.rollingUpdate = {}
    const rolling = strategy.rollingUpdate as JsonMap
    rolling.maxUnavailable ??= '25%'
    rolling.maxSurge ??= '25%'
  }
}

function defaultPodTemplate(template: unknown, restartPolicy = 'Always'): void {
  if (!isJsonMap(template)) return
  if (!isJsonMap(template.metadata)) template.metadata = {}
  if (isJsonMap(template.spec)) defaultPodSpec(template.spec, restartPolicy)
}

function defaultPodSpec(spec: JsonMap, restartPolicy: string): void {
  spec.restartPolicy ??= restartPolicy
  spec.terminationGracePeriodSeconds ??= 30
  spec.dnsPolicy ??= 'ClusterFirst'
  spec.schedulerName ??= 'default-scheduler'
  spec.securityContext ??= {}
  for (const list of ['containers', 'initContainers']) {
    const containers = spec[list]
    if (!Array.isArray(containers)) continue
    for (const container of containers) {
      if (!isJsonMap(container)) continue
      const image = typeof container.image === 'string' ? container.image : ''
      const tag = image.includes('@') ? 'digest' : /:[^/]+$/.exec(image)?.[0].slice(1)
      container.imagePullPolicy ??=
        tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent'
      container.terminationMessagePath ??= '/dev/termination-log'
      container.terminationMessagePolicy ??= 'File'
      container.resources ??= {}
      if (Array.isArray(container.ports)) {
        for (const port of container.ports) if (isJsonMap(port)) port.protocol ??= 'TCP'
      }
    }
  }
}

function defaultService(spec: JsonMap, allocateClusterIp: () => string): void {
  spec.type ??= 'ClusterIP'
  spec.sessionAffinity ??= 'None'
  if (spec.type !== 'ExternalName') {
    if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = allocateClusterIp()
    spec.clusterIPs ??= [spec.clusterIP]
    spec.ipFamilies ??= ['IPv4']
    spec.ipFamilyPolicy ??= 'SingleStack'
    spec.internalTrafficPolicy ??= 'Cluster'
  }
  if (Array.isArray(spec.ports)) {
    for (const port of spec.ports) {
      if (!isJsonMap(port)) continue
      port.protocol ??= 'TCP'
      port.targetPort ??= port.port
    }
  }
}
