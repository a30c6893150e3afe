import { InputError } from '../../lib/errors.js'
import type { InputReader } from '../../lib/inputs.js'
import { isLocalRegistry, type ImageReference } from '../../lib/oci/reference.js'
import type { ImagePin, Strategy } from '../../lib/helm/deploy.js'
import { NOT_AN_OPTION, readHelmStepInputs, type HelmStepInputs } from '../common/helm-inputs.js'
import { actionInputs } from '../common/runtime.js'

export type DeployAction = 'deploy' | 'promote' | 'abort'

export interface DeployHelmInputs extends HelmStepInputs {
  release: string
  chart: string
  chartVersion: string
  namespace: string
  valuesFiles: string[]
  values: string
  image?: ImagePin
  strategy: Strategy
  canaryWeight: number
  action: DeployAction
  atomic: boolean
  wait: boolean
  timeoutMs: number
  historyMax: number
  createNamespace: boolean
  plainHttp: boolean
  version: string
}

// The longest suffix a release gets (`-canary`) must still fit Helm's 53 characters.
const RELEASE_MAX = 53 - '-canary'.length
const CHART_VERSION = /^(?!-)[0-9A-Za-z.^~<>=*+|, _-]{1,100}$/
const DIGEST = /^sha256:[0-9a-f]{64}$/
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,127}$/

export function getInputs(): Promise<DeployHelmInputs> {
  return readDeployHelmInputs(actionInputs())
}

/** deploy-helm's inputs; the front door reads the same ones with the same rules. */
export async function readDeployHelmInputs(inputs: InputReader): Promise<DeployHelmInputs> {
  // Secrets first: masked before anything else can log.
  const shared = readHelmStepInputs(inputs)

  const action = inputs.oneOf('action', ['deploy', 'promote', 'abort'], 'deploy')
  const strategy = inputs.oneOf('strategy', ['direct', 'canary', 'blue-green'], 'direct')
  if (action !== 'deploy' && strategy !== 'canary') {
    throw new InputError(
      'action',
      action,
      `deploy (promote and abort need strategy: canary; strategy is ${strategy})`
    )
  }
  const release = inputs.release('release', { required: true, maxLength: RELEASE_MAX })
  const chart = inputs.matching(
    'chart',
    NOT_AN_OPTION,
    'a chart directory, a packaged chart, repo/name or oci://registry/path'
  )
  if (!chart && action !== 'abort')
    throw new InputError(
      'chart',
      '',
      'a chart directory, a packaged chart, repo/name or oci://registry/path (it is required)'
    )
  const valuesFiles = inputs.list('values-files')
  for (const file of valuesFiles) {
    if (file.startsWith('-'))
      throw new InputError('values-files', file, 'paths of YAML files, one per line')
  }
  const values = inputs.raw('values')
  const parsed = await inputs.yaml('values')
  if (
    parsed !== undefined &&
    parsed !== null &&
    (typeof parsed !== 'object' || Array.isArray(parsed))
  ) {
    throw new InputError('values', values, 'YAML mapping of chart values, e.g. "replicaCount: 2"')
  }
  const image = pinImage(
    inputs.image('image'),
    inputs.matching('digest', DIGEST, 'sha256: followed by 64 lower-case hex digits'),
    inputs.raw('image')
  )
  return {
    release,
    chart,
    chartVersion: inputs.matching(
      'chart-version',
      CHART_VERSION,
      'a chart version or constraint such as 1.2.3 or ^1.2.0'
    ),
    namespace: inputs.namespace('namespace', 'default'),
    valuesFiles,
    values: parsed === undefined || parsed === null ? '' : values,
    ...(image ? { image } : {}),
    strategy,
    canaryWeight: inputs.int('canary-weight', 10, { min: 0, max: 100 }),
    action,
    atomic: inputs.bool('atomic', true),
    wait: inputs.bool('wait', true),
    timeoutMs: inputs.duration('timeout', '5m', { minMs: 1000, maxMs: 24 * 3_600_000 }),
    historyMax: inputs.int('history-max', 10, { min: 0, max: 1000 }),
    createNamespace: inputs.bool('create-namespace', false),
    plainHttp: plainHttp(inputs.bool('plain-http', false), chart),
    version: inputs.matching(
      'version',
      VERSION,
      'a version such as v1.2.3 or 1.3.0-beta.2 (letters, digits, ".", "+", "_", "-")'
    ),
    ...shared
  }
}

/** Deploys pin the image by digest: from the `digest` input or an `image` given as name@digest. */
function pinImage(
  ref: ImageReference | undefined,
  digest: string,
  imageText: string
): ImagePin | undefined {
  if (!ref) {
    if (digest)
      throw new InputError(
        'image',
        '',
        'the image repository the digest belongs to, e.g. ghcr.io/org/model (digest is set)'
      )
    return undefined
  }
  if (ref.digest && digest && ref.digest !== digest) {
    throw new InputError(
      'digest',
      digest,
      `the digest the image input names (${ref.digest}), or empty`
    )
  }
  const pinned = digest || ref.digest
  if (!pinned) {
    throw new InputError(
      'digest',
      '',
      `a digest (sha256:...) for ${imageText}: deploys pin the image by digest, so give digest or image as name@sha256:...`
    )
  }
  if (!DIGEST.test(pinned))
    throw new InputError(
      'image',
      imageText,
      'an image whose digest is sha256: followed by 64 lower-case hex digits'
    )
  // The repository as the user wrote it, without tag or digest: the chart renders repository@digest.
  const repository = imageText.replace(/@.*$/, '').replace(/:([\w][\w.-]{0,127})$/, '')
  return { repository, digest: pinned }
}

/**
 * Plain HTTP to an OCI chart registry only when it is local, as build-image's insecure-registry:
 * the registry login Helm uses must never travel in clear text to another host.
 */
function plainHttp(wanted: boolean, chart: string): boolean {
  const host = /^oci:\/\/([^/]+)/.exec(chart)?.[1]
  if (wanted && host !== undefined && !isLocalRegistry(host)) {
    throw new InputError(
      'plain-http',
      'true',
      `false for ${host}: plain HTTP is allowed only for local registries (localhost, 127.0.0.0/8, [::1], *.local, or a bare host name such as registry:5000)`
    )
  }
  return wanted
}
