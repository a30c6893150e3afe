import { UserError } from '../errors.js'
import type { Log } from '../log.js'
import type { CommandRunner } from '../command.js'
import type { HelmVersion } from './helm-cli.js'
import { Helm, HelmError, helmMessage, isPendingRefusal } from './helm-cli.js'
import { helmDuration } from './flags.js'
import type { RecordEditor } from './release-record.js'
import { kubectlCandidates } from './release-record.js'
import type { DeployMarker, Revision } from './release-history.js'
import { describeDeploy, readHistory, readValues, valueAt, wasDeployed } from './release-history.js'
import type { Recovery } from './stuck.js'
import { historyReadyForDeploy } from './stuck.js'
import type { ComputedValue } from './upgrade.js'
import { checkComputed, labelValue, upgradeArgs, writeInlineValues } from './upgrade.js'

export type Strategy = 'direct' | 'canary' | 'blue-green'
export type Color = 'blue' | 'green'

/** The image a deploy pins: `repository@digest`. */
export interface ImagePin {
  repository: string
  digest: string
}

/** Where the chart takes the image from (`image.repository` / `image.digest` by default). */
export interface ImageValueNames {
  repository: string
  digest: string
}

export const DEFAULT_IMAGE_VALUES: ImageValueNames = {
  repository: 'image.repository',
  digest: 'image.digest'
}

/** Everything a deploy of one application needs; the strategy decides which releases it makes. */
export interface DeployRequest {
  /** The application's release name; canary and colour releases derive from it. */
  release: string
  namespace: string
  chart: string
  chartVersion: string
  valuesFiles: readonly string[]
  /** The `values` input: YAML applied after the values files ('' for none). */
  inlineValues: string
  image?: ImagePin
  imageValues: ImageValueNames
  atomic: boolean
  wait: boolean
  timeoutMs: number
  historyMax: number
  createNamespace: boolean
  plainHttp: boolean
  /** The version being deployed (release labels, description, audit); '' when unknown. */
  version: string
  /** The workflow run, for the description and labels. */
  runId: string
  runUrl: string
  /** A private directory for the inline values file (RUNNER_TEMP). */
  workDir: string
}

export interface HelmDeps {
  helm: Helm
  log: Log
  clock: () => Date
  records: RecordEditor
}

export interface HelmSetup {
  /** `helm` on PATH, or a path to the binary. */
  helmPath: string
  /** The environment Helm and kubectl run in (KUBECONFIG included). */
  env: NodeJS.ProcessEnv
  runner: CommandRunner
  log: Log
  clock?: () => Date
  /** Where to remember the Helm version between the steps of a job (under RUNNER_TEMP). */
  versionCacheFile?: string
}

/** Everything the deploy and rollback functions need, wired once by an action or the front door. */
export function createHelmDeps(setup: HelmSetup): HelmDeps {
  const helm = new Helm({
    path: setup.helmPath,
    env: setup.env,
    runner: setup.runner,
    ...(setup.versionCacheFile ? { versionCacheFile: setup.versionCacheFile } : {})
  })
  return {
    helm,
    log: setup.log,
    clock: setup.clock ?? (() => new Date()),
    records: {
      runner: setup.runner,
      env: setup.env,
      kubectl: kubectlCandidates(setup.helmPath),
      log: setup.log
    }
  }
}

/** One Helm release changed by a deploy. */
export interface ReleaseResult {
  release: string
  namespace: string
  revision: number
  /** The revision that was deployed before (null for a first install). */
  previousRevision: number | null
  status: string
  /** What Helm said about the release: its description and notes. */
  description: string
  notes: string
  chartName: string
  chartVersion: string
  appVersion: string
  image?: ImagePin
  /** How long Helm took, the rollout wait included. */
  rolloutMs: number
  recovery?: Recovery
}

export interface DeployOutcome {
  strategy: Strategy
  action: 'deploy' | 'promote' | 'abort'
  helmVersion: HelmVersion
  /** The release the action's outputs describe (stable, canary, or blue-green router). */
  primary?: ReleaseResult
  /** Every release upgraded, in order. */
  upgraded: ReleaseResult[]
  /** Releases uninstalled (canary after promote or abort). */
  removed: string[]
  /** Blue-green: the colour now receiving traffic, and the one before. */
  activeColor?: Color
  previousColor?: Color
}

/** A deploy Helm refused or that failed to roll out; says what state the release was left in. */
export class DeployError extends UserError {
  override name = 'DeployError'
  constructor(
    message: string,
    readonly release: string,
    readonly history: readonly Revision[],
    readonly previousRevision: number | null,
    readonly rolloutMs: number
  ) {
    super(message)
  }
}

interface ReleaseStep {
  release: string
  computed: ComputedValue[]
  marker: DeployMarker
  /** Blue-green colours must be healthy before the switch, whatever `wait` says. */
  forceWait?: boolean
  image?: ImagePin
}

function imageValues(request: DeployRequest, image: ImagePin | undefined): ComputedValue[] {
  if (!image) return []
  return [
    [request.imageValues.repository, image.repository],
    [request.imageValues.digest, image.digest]
  ]
}

function marker(
  request: DeployRequest,
  action: string,
  image: ImagePin | undefined,
  extra: Partial<DeployMarker> = {}
): DeployMarker {
  return {
    action,
    ...(request.version ? { version: request.version } : {}),
    ...(image ? { image: image.repository, digest: image.digest } : {}),
    ...(request.runUrl ? { run: request.runUrl } : {}),
    ...extra
  }
}

function labels(request: DeployRequest, image: ImagePin | undefined): Record<string, string> {
  const entries: Array<[string, string]> = []
  if (request.version) entries.push(['mlops.version', labelValue(request.version)])
  if (image)
    entries.push(['mlops.digest', labelValue(image.digest.replace(/^sha256:/, '')).slice(0, 40)])
  if (request.runId) entries.push(['mlops.run', labelValue(request.runId)])
  return Object.fromEntries(entries.filter(([, v]) => v !== ''))
}

interface UpgradeOutput {
  version?: number
  info?: { status?: string; description?: string; notes?: string }
  chart?: { metadata?: { name?: string; version?: string; appVersion?: string } }
}

function parseUpgradeOutput(stdout: string): UpgradeOutput {
  const start = stdout.indexOf('{')
  if (start < 0) return {}
  try {
    return JSON.parse(stdout.slice(start)) as UpgradeOutput
  } catch {
    return {}
  }
}

/**
 * `helm upgrade --install` of one release. Helm itself refuses a release whose latest revision is
 * pending, before changing anything; only then is the history judged and the release recovered,
 * and the upgrade run again. The history read for `previous-revision` runs alongside the upgrade:
 * whichever moment it sees, the newest deployed revision below the new one is the same.
 */
async function upgradeOne(
  request: DeployRequest,
  step: ReleaseStep,
  deps: HelmDeps
): Promise<ReleaseResult> {
  const { helm, log } = deps
  checkComputed(step.computed)
  const wait = request.wait || step.forceWait === true
  const version = await helm.version()
  const inline = request.inlineValues
    ? await writeInlineValues(request.workDir, request.inlineValues)
    : undefined
  const args = upgradeArgs(
    {
      release: step.release,
      namespace: request.namespace,
      chart: request.chart,
      chartVersion: request.chartVersion,
      valuesFiles: request.valuesFiles,
      ...(inline ? { inlineValuesFile: inline.path } : {}),
      computed: step.computed,
      atomic: request.atomic,
      wait,
      timeoutMs: request.timeoutMs,
      historyMax: request.historyMax,
      createNamespace: request.createNamespace,
      plainHttp: request.plainHttp,
      description: describeDeploy(step.marker),
      labels: labels(request, step.image)
    },
    version
  )
  // Helm enforces the timeout on the rollout; this bound only catches a Helm that hangs.
  const upgrade = () => {
    log.info(`helm ${args.join(' ')}`)
    return helm.attempt(args, { timeoutMs: request.timeoutMs + 120_000 })
  }
  let recovery: Recovery | undefined
  let history: Promise<Revision[]>
  let result
  try {
    history = readHistory(helm, step.release, request.namespace)
    history.catch(() => undefined)
    result = await upgrade()
    if (result.code !== 0 && isPendingRefusal(result)) {
      log.info(`Helm refused: ${helmMessage(result)}`)
      const check = {
        release: step.release,
        namespace: request.namespace,
        timeoutMs: request.timeoutMs,
        wait
      }
      const prepared = await historyReadyForDeploy(check, deps)
      recovery = prepared.recovery
      if (!recovery)
        throw new UserError(
          `Helm says an operation is in progress on ${step.release}, but its history shows no pending revision: ${helmMessage(result)}`
        )
      history = Promise.resolve(prepared.history)
      result = await upgrade()
    }
  } finally {
    await inline?.remove()
  }
  if (result.code !== 0) {
    const before = await history.catch(() => [] as Revision[])
    const after = await readHistory(helm, step.release, request.namespace).catch(
      () => [] as Revision[]
    )
    const started = after.find(r => !before.some(b => b.revision === r.revision))
    const previous = previousDeployed(before, started?.revision ?? Number.MAX_SAFE_INTEGER)
    throw new DeployError(
      `Deploying ${step.release} to ${request.namespace} failed: ${helmMessage(result)}\n${describeAftermath(after, request.atomic)}`,
      step.release,
      after,
      previous?.revision ?? null,
      result.durationMs
    )
  }
  const output = parseUpgradeOutput(result.stdout)
  const revision = Number(output.version)
  const previous = previousDeployed(await history, revision)
  log.info(
    `${step.release}: revision ${revision} ${output.info?.status ?? ''} in ${(result.durationMs / 1000).toFixed(2)} s`
  )
  return {
    release: step.release,
    namespace: request.namespace,
    revision,
    previousRevision: previous?.revision ?? null,
    status: output.info?.status ?? 'unknown',
    description: output.info?.description ?? '',
    notes: (output.info?.notes ?? '').trim(),
    chartName: output.chart?.metadata?.name ?? '',
    chartVersion: output.chart?.metadata?.version ?? '',
    appVersion: output.chart?.metadata?.appVersion ?? '',
    ...(step.image ? { image: step.image } : {}),
    rolloutMs: result.durationMs,
    ...(recovery ? { recovery } : {})
  }
}

function previousDeployed(history: readonly Revision[], below: number): Revision | undefined {
  return [...history].reverse().find(r => r.revision < below && wasDeployed(r.status))
}

/** What a failed deploy left behind, for the error message and the summary. */
export function describeAftermath(history: readonly Revision[], atomic: boolean): string {
  const last = history.at(-1)
  if (!last) return 'The release does not exist.'
  const deployed = [...history].reverse().find(r => r.status === 'deployed')
  const now = `The latest revision is ${last.revision} (${last.status}).`
  if (deployed && deployed.revision === last.revision && last.rollbackOf !== undefined) {
    return `${now} ${atomic ? 'Helm rolled back on failure' : 'It was rolled back'}: revision ${last.revision} restores revision ${last.rollbackOf}.`
  }
  if (last.status.startsWith('pending-')) {
    return `${now} The next deploy recovers it once the timeout has passed.`
  }
  return `${now} The next deploy upgrades from it.`
}

/** The ordinary deploy: one release, upgraded in place. */
export async function deployRelease(
  request: DeployRequest,
  deps: HelmDeps
): Promise<DeployOutcome> {
  const result = await upgradeOne(
    request,
    {
      release: request.release,
      computed: imageValues(request, request.image),
      marker: marker(request, 'deploy', request.image, { strategy: 'direct' }),
      ...(request.image ? { image: request.image } : {})
    },
    deps
  )
  return outcome(deps, 'direct', 'deploy', result, [result])
}

export function canaryRelease(release: string): string {
  return `${release}-canary`
}

/** A canary: `<release>-canary` beside the stable release, marked as canary, with its weight. */
export async function deployCanary(
  request: DeployRequest & { weight: number },
  deps: HelmDeps
): Promise<DeployOutcome> {
  const release = canaryRelease(request.release)
  const result = await upgradeOne(
    request,
    {
      release,
      computed: [
        ...imageValues(request, request.image),
        ['track', 'canary'],
        ['canary.enabled', true],
        ['canary.weight', request.weight]
      ],
      marker: marker(request, 'canary', request.image, { strategy: 'canary' }),
      ...(request.image ? { image: request.image } : {})
    },
    deps
  )
  return outcome(deps, 'canary', 'deploy', result, [result])
}

/** The image the canary runs, read from its values. */
export async function canaryImage(
  request: Pick<DeployRequest, 'release' | 'namespace' | 'imageValues'>,
  deps: HelmDeps
): Promise<ImagePin> {
  const release = canaryRelease(request.release)
  const values = await readValues(deps.helm, release, request.namespace)
  if (!values)
    throw new UserError(
      `There is no canary to promote: release ${release} does not exist in ${request.namespace}.`
    )
  const repository = valueAt(values, request.imageValues.repository)
  const digest = valueAt(values, request.imageValues.digest)
  if (typeof repository !== 'string' || typeof digest !== 'string' || !digest) {
    throw new UserError(
      `The canary ${release} was not deployed with ${request.imageValues.repository} and ${request.imageValues.digest} set, so its image is unknown.`
    )
  }
  return { repository, digest }
}

/**
 * Promote: the stable release moves to the canary's image (the one that passed analysis, not
 * whatever the inputs say), then the canary is removed.
 */
export async function promoteCanary(
  request: DeployRequest,
  deps: HelmDeps
): Promise<DeployOutcome> {
  const image = await canaryImage(request, deps)
  if (request.image && request.image.digest !== image.digest) {
    throw new UserError(
      `The canary runs ${image.digest} but the digest input says ${request.image.digest}: promote moves stable to what the canary ran. Leave digest empty or give the canary's.`
    )
  }
  deps.log.info(
    `Promoting ${image.repository}@${image.digest} from ${canaryRelease(request.release)} to ${request.release}.`
  )
  const result = await upgradeOne(
    request,
    {
      release: request.release,
      computed: imageValues(request, image),
      marker: marker(request, 'promote', image, { strategy: 'canary' }),
      image
    },
    deps
  )
  await uninstall(deps, canaryRelease(request.release), request.namespace, request.timeoutMs)
  const done = outcome(deps, 'canary', 'promote', result, [result])
  return { ...(await done), removed: [canaryRelease(request.release)] }
}

/** Abort: the canary goes, the stable release is not touched at all. */
export async function abortCanary(
  request: Pick<DeployRequest, 'release' | 'namespace' | 'timeoutMs'>,
  deps: HelmDeps
): Promise<DeployOutcome> {
  const release = canaryRelease(request.release)
  const removed = await uninstall(deps, release, request.namespace, request.timeoutMs)
  if (!removed)
    deps.log.info(`There is no canary ${release} in ${request.namespace}: nothing to abort.`)
  return {
    strategy: 'canary',
    action: 'abort',
    helmVersion: await deps.helm.version(),
    upgraded: [],
    removed: removed ? [release] : []
  }
}

async function uninstall(
  deps: HelmDeps,
  release: string,
  namespace: string,
  timeoutMs: number
): Promise<boolean> {
  const args = [
    'uninstall',
    release,
    '--namespace',
    namespace,
    '--timeout',
    helmDuration(timeoutMs)
  ]
  const result = await deps.helm.attempt(args)
  if (result.code === 0) {
    deps.log.info(`Uninstalled ${release}.`)
    return true
  }
  if (/not found/.test(result.stderr)) return false
  throw new HelmError(args, result)
}

export function colorRelease(release: string, color: Color): string {
  return `${release}-${color}`
}

export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue'
}

/**
 * The colour the router sends traffic to now, undefined before the first blue-green deploy. An
 * existing release that is not a router is refused: making it one would remove its Deployment.
 */
export async function activeColor(
  release: string,
  namespace: string,
  deps: HelmDeps
): Promise<Color | undefined> {
  const values = await readValues(deps.helm, release, namespace)
  if (values === undefined) return undefined
  const color = valueAt(values, 'blueGreen.activeColor')
  if (valueAt(values, 'blueGreen.role') !== 'router' || (color !== 'blue' && color !== 'green')) {
    throw new UserError(
      `Release ${release} in ${namespace} exists and is not a blue-green router; deploying it with strategy blue-green would replace it with a router and remove what it runs. Use another release name, or uninstall it first.`
    )
  }
  return color
}

/**
 * Blue-green: the idle colour gets the new version and must become healthy (Helm waits for it,
 * whatever `wait` says); only then does the router switch. The other colour keeps running, so a
 * rollback is an instant switch back.
 */
export async function deployBlueGreen(
  request: DeployRequest,
  deps: HelmDeps
): Promise<DeployOutcome> {
  const active = await activeColor(request.release, request.namespace, deps)
  const idle = active ? otherColor(active) : 'blue'
  deps.log.info(
    active
      ? `${request.release} sends traffic to ${active}: deploying to ${idle}, then switching.`
      : `First blue-green deploy of ${request.release}: deploying ${idle}, then creating the router.`
  )
  const colorResult = await upgradeOne(
    request,
    {
      release: colorRelease(request.release, idle),
      computed: [
        ...imageValues(request, request.image),
        ['blueGreen.enabled', true],
        ['blueGreen.role', 'color'],
        ['blueGreen.color', idle],
        ['blueGreen.name', request.release]
      ],
      marker: marker(request, 'deploy', request.image, { strategy: 'blue-green', color: idle }),
      forceWait: true,
      ...(request.image ? { image: request.image } : {})
    },
    deps
  )
  const router = await switchBlueGreen(request, idle, deps, request.image)
  return {
    ...(await outcome(deps, 'blue-green', 'deploy', router, [colorResult, router])),
    activeColor: idle,
    ...(active ? { previousColor: active } : {})
  }
}

/** Points the router (`<release>`) at a colour: one value changes, the Service selector follows. */
export async function switchBlueGreen(
  request: DeployRequest,
  color: Color,
  deps: HelmDeps,
  image?: ImagePin
): Promise<ReleaseResult> {
  return upgradeOne(
    request,
    {
      release: request.release,
      computed: [
        ['blueGreen.enabled', true],
        ['blueGreen.role', 'router'],
        ['blueGreen.activeColor', color],
        ['blueGreen.name', request.release]
      ],
      marker: marker(request, 'switch', image, { strategy: 'blue-green', active: color }),
      ...(image ? { image } : {})
    },
    deps
  )
}

async function outcome(
  deps: HelmDeps,
  strategy: Strategy,
  action: DeployOutcome['action'],
  primary: ReleaseResult,
  upgraded: ReleaseResult[]
): Promise<DeployOutcome> {
  return {
    strategy,
    action,
    helmVersion: await deps.helm.version(),
    primary,
    upgraded,
    removed: []
  }
}
