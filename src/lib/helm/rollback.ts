import { UserError } from '../errors.js'
import type { Helm, HelmVersion } from './helm-cli.js'
import { helmMessage } from './helm-cli.js'
import type { Color, HelmDeps, ImageValueNames } from './deploy.js'
import { colorRelease, otherColor } from './deploy.js'
import { helmDuration, waitFlags } from './flags.js'
import { markRevisionFailed } from './release-record.js'
import type { Revision } from './release-history.js'
import {
  isPending,
  origin,
  readHistory,
  readValues,
  valueAt,
  wasDeployed
} from './release-history.js'

export type RollbackTarget =
  | { kind: 'previous' }
  | { kind: 'last-good' }
  | { kind: 'revision'; revision: number }
  | { kind: 'version'; version: string }

const VERSION = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/

/** `previous`, `last-good`, a revision number, or a version such as `v1.2.3`; undefined otherwise. */
export function parseRollbackTarget(text: string): RollbackTarget | undefined {
  if (text === 'previous' || text === 'last-good') return { kind: text }
  if (/^\d{1,9}$/.test(text)) return { kind: 'revision', revision: Number(text) }
  if (VERSION.test(text)) return { kind: 'version', version: text }
  return undefined
}

export function describeTarget(target: RollbackTarget): string {
  switch (target.kind) {
    case 'revision':
      return `revision ${target.revision}`
    case 'version':
      return `version ${target.version}`
    default:
      return target.kind
  }
}

export interface RollbackRequest {
  release: string
  namespace: string
  target: RollbackTarget
  reason: string
  wait: boolean
  timeoutMs: number
  dryRun: boolean
  imageValues: ImageValueNames
}

/** What a revision runs: enough to tell two revisions apart and to name them to a person. */
export interface RevisionFacts {
  revision: number
  status: string
  chartVersion: string
  appVersion: string
  version?: string
  image?: string
  digest?: string
  /** Blue-green router: the colour it sends traffic to. */
  active?: Color
  /** Compared to decide whether two revisions run the same thing. */
  identity: string
}

export interface RollbackPlan {
  release: string
  namespace: string
  target: RollbackTarget
  blueGreen: boolean
  from: RevisionFacts
  /** Undefined only when nothing qualifies (an error is thrown before that is returned). */
  to: RevisionFacts
  noOp: boolean
  /** Why this revision, in a sentence a maintainer reads in the summary. */
  why: string
  /** Revisions Helm left pending that the rollback leaves behind (marked failed after). */
  pending: number[]
  /** The highest revision number in the history. */
  latest: number
}

export interface RollbackResult extends RollbackPlan {
  rolledBack: boolean
  newRevision: number | null
  helmVersion: HelmVersion
  durationMs: number
  markedFailed: number[]
}

/** Facts about revisions, read from descriptions first and from `helm get values` only when needed. */
class RevisionReader {
  private readonly values = new Map<number, Promise<Record<string, unknown> | undefined>>()

  constructor(
    private readonly helm: Helm,
    private readonly release: string,
    private readonly namespace: string,
    private readonly history: readonly Revision[],
    private readonly names: ImageValueNames
  ) {}

  private valuesOf(revision: number): Promise<Record<string, unknown> | undefined> {
    let pending = this.values.get(revision)
    if (!pending) {
      pending = readValues(this.helm, this.release, this.namespace, revision)
      this.values.set(revision, pending)
    }
    return pending
  }

  async facts(revision: Revision): Promise<RevisionFacts> {
    const source = origin(this.history, revision)
    const marker = source.marker
    const base = {
      revision: revision.revision,
      status: revision.status,
      chartVersion: source.chartVersion,
      appVersion: source.appVersion
    }
    if (marker?.active === 'blue' || marker?.active === 'green') {
      return {
        ...base,
        active: marker.active,
        ...optional(marker),
        identity: `active:${marker.active}|${source.chartVersion}`
      }
    }
    if (marker?.digest) {
      return {
        ...base,
        ...optional(marker),
        identity: `digest:${marker.digest}|${source.chartVersion}`
      }
    }
    const values = await this.valuesOf(source.revision)
    const active =
      valueAt(values, 'blueGreen.role') === 'router'
        ? valueAt(values, 'blueGreen.activeColor')
        : undefined
    if (active === 'blue' || active === 'green') {
      return { ...base, active, identity: `active:${active}|${source.chartVersion}` }
    }
    const digest = valueAt(values, this.names.digest)
    const image = valueAt(values, this.names.repository)
    const facts: RevisionFacts = {
      ...base,
      ...(marker?.version ? { version: marker.version } : {}),
      ...(typeof image === 'string' ? { image } : {}),
      ...(typeof digest === 'string' && digest ? { digest } : {}),
      identity:
        typeof digest === 'string' && digest
          ? `digest:${digest}|${source.chartVersion}`
          : `values:${JSON.stringify(values ?? {})}|${source.chartVersion}`
    }
    return facts
  }
}

function optional(marker: { version?: string; image?: string; digest?: string }) {
  return {
    ...(marker.version ? { version: marker.version } : {}),
    ...(marker.image ? { image: marker.image } : {}),
    ...(marker.digest ? { digest: marker.digest } : {})
  }
}

const sameVersion = (a: string | undefined, b: string) =>
  !!a && a.replace(/^v/, '') === b.replace(/^v/, '')

/**
 * Revisions a person rolled back away from: the revision that was live when a `Rollback to N`
 * revision replaced it. Helm keeps them `superseded`, as if they had been good; `last-good`
 * must not return to them.
 */
export function rolledBackFrom(history: readonly Revision[]): Set<number> {
  const bad = new Set<number>()
  for (const rollback of history.filter(r => r.rollbackOf !== undefined)) {
    const replaced = [...history]
      .reverse()
      .find(r => r.revision < rollback.revision && !isPending(r.status))
    if (replaced && replaced.revision !== rollback.rollbackOf) bad.add(replaced.revision)
  }
  return bad
}

/** Decides what a rollback would do, without changing anything. */
export async function planRollback(
  request: RollbackRequest,
  deps: HelmDeps,
  history?: Revision[]
): Promise<RollbackPlan> {
  const revisions = history ?? (await readHistory(deps.helm, request.release, request.namespace))
  const current = revisions.at(-1)
  if (!current) {
    throw new UserError(
      `There is nothing to roll back: release ${request.release} does not exist in namespace ${request.namespace}.`
    )
  }
  const reader = new RevisionReader(
    deps.helm,
    request.release,
    request.namespace,
    revisions,
    request.imageValues
  )
  const from = await reader.facts(current)
  const pending = revisions.filter(r => isPending(r.status)).map(r => r.revision)
  const common = {
    release: request.release,
    namespace: request.namespace,
    target: request.target,
    from,
    pending,
    latest: current.revision
  }
  if (from.active) return planBlueGreen(request, deps, common, from, revisions)

  const good = revisions.filter(r => wasDeployed(r.status))
  const currentIsLive = current.status === 'deployed'
  const noOp = (to: RevisionFacts, why: string): RollbackPlan => ({
    ...common,
    blueGreen: false,
    to,
    noOp: true,
    why
  })
  const move = (to: RevisionFacts, why: string): RollbackPlan => ({
    ...common,
    blueGreen: false,
    to,
    noOp: false,
    why
  })

  const target =
    request.target.kind === 'revision' && request.target.revision === 0
      ? ({ kind: 'previous' } as const)
      : request.target
  if (target !== request.target)
    deps.log.info(
      'Revision 0 means what Helm means by it, the previous release: resolving it as `previous`.'
    )

  switch (target.kind) {
    case 'previous': {
      for (const candidate of [...good].reverse()) {
        if (candidate.revision >= current.revision) continue
        const facts = await reader.facts(candidate)
        if (facts.identity !== from.identity) {
          return move(
            facts,
            `previous: revision ${candidate.revision} is the newest deployed revision before ${current.revision} that runs something else (${name(facts)} instead of ${name(from)}).`
          )
        }
      }
      throw new UserError(
        `No earlier deployed revision of ${request.release} runs anything other than what runs now (${name(from)}, revision ${current.revision}): there is no previous release to go back to.`
      )
    }
    case 'last-good': {
      const bad = rolledBackFrom(revisions)
      const newest = [...good].reverse().find(r => !bad.has(r.revision))
      if (!newest)
        throw new UserError(
          `${request.release} has no successfully deployed revision to go back to.`
        )
      const facts = await reader.facts(newest)
      const skipped = revisions
        .filter(r => r.revision > newest.revision)
        .map(r => `${r.revision} (${bad.has(r.revision) ? 'rolled back from' : r.status})`)
      const why = `last-good: revision ${newest.revision} is the newest successfully deployed revision${skipped.length ? `, skipping ${skipped.join(', ')}` : ''}.`
      if (
        newest.revision === current.revision ||
        (currentIsLive && facts.identity === from.identity)
      ) {
        return noOp(facts, `${why} It is what runs now.`)
      }
      return move(facts, why)
    }
    case 'revision': {
      const chosen = revisions.find(r => r.revision === target.revision)
      if (!chosen) {
        throw new UserError(
          `${request.release} has no revision ${target.revision}; its revisions are ${revisions.map(r => `${r.revision} (${r.status})`).join(', ')}.`
        )
      }
      if (!wasDeployed(chosen.status)) {
        throw new UserError(
          `Revision ${chosen.revision} of ${request.release} is ${chosen.status}: it never ran successfully, so it is not a rollback target.`
        )
      }
      const facts = await reader.facts(chosen)
      // A revision asked for by number is what the maintainer wants back, values included: it is
      // a no-op only when it is what runs now (itself, or a rollback to it with nothing since).
      if (chosen.revision === current.revision || current.rollbackOf === chosen.revision) {
        return noOp(
          facts,
          `revision ${chosen.revision} runs ${name(facts)}, which is what runs now.`
        )
      }
      return move(facts, `revision ${chosen.revision} as asked (${name(facts)}).`)
    }
    case 'version': {
      for (const candidate of [...good].reverse()) {
        const facts = await reader.facts(candidate)
        if (
          sameVersion(facts.version, target.version) ||
          (!facts.version && sameVersion(facts.appVersion, target.version))
        ) {
          if (
            candidate.revision === current.revision ||
            (currentIsLive && sameVersion(from.version, target.version))
          ) {
            return noOp(
              facts,
              `${target.version} is revision ${candidate.revision}, which is what runs now.`
            )
          }
          return move(
            facts,
            `${target.version} is revision ${candidate.revision}, its newest successful deploy (${name(facts)}).`
          )
        }
      }
      const found = await versionFromLabels(deps, request, good, target.version)
      if (found) {
        const facts = await reader.facts(found)
        if (found.revision === current.revision)
          return noOp(
            facts,
            `${target.version} is revision ${found.revision}, which is what runs now.`
          )
        return move(
          facts,
          `${target.version} is revision ${found.revision} (from its release labels).`
        )
      }
      const known = await Promise.all(
        good.map(async r => (await reader.facts(r)).version ?? r.appVersion)
      )
      throw new UserError(
        `No successfully deployed revision of ${request.release} runs ${target.version}; the versions it ran are ${[...new Set(known.filter(Boolean))].join(', ') || 'unrecorded'}.`
      )
    }
  }
}

/** Release labels are readable only through Helm 4's `get metadata`: a last resort for versions. */
async function versionFromLabels(
  deps: HelmDeps,
  request: RollbackRequest,
  good: Revision[],
  version: string
): Promise<Revision | undefined> {
  if ((await deps.helm.version()).major < 4) return undefined
  for (const candidate of [...good].reverse()) {
    const result = await deps.helm.attempt([
      'get',
      'metadata',
      request.release,
      '--namespace',
      request.namespace,
      '--revision',
      String(candidate.revision),
      '--output',
      'json'
    ])
    if (result.code !== 0) continue
    const labels = (JSON.parse(result.stdout) as { labels?: Record<string, string> }).labels ?? {}
    if (sameVersion(labels['mlops.version'], version)) return candidate
  }
  return undefined
}

/**
 * A blue-green router's rollback is a switch back to the other colour, which still runs the
 * version it ran before: the router goes back to its newest revision that sent traffic there.
 */
async function planBlueGreen(
  request: RollbackRequest,
  deps: HelmDeps,
  common: Omit<RollbackPlan, 'blueGreen' | 'to' | 'noOp' | 'why'>,
  from: RevisionFacts,
  revisions: readonly Revision[]
): Promise<RollbackPlan> {
  const active = from.active as Color
  const idle = otherColor(active)
  const idleHistory = await readHistory(
    deps.helm,
    colorRelease(request.release, idle),
    request.namespace
  )
  const idleNow = idleHistory.at(-1)
  const idleMarker = idleNow ? origin(idleHistory, idleNow).marker : undefined
  const target = request.target
  if (target.kind === 'revision') {
    throw new UserError(
      `${request.release} is a blue-green router: roll back with previous, last-good or a version, which switch traffic to the colour that runs it; router revision numbers do not name a version.`
    )
  }
  if (target.kind === 'version') {
    if (sameVersion(from.version, target.version)) {
      return {
        ...common,
        blueGreen: true,
        to: from,
        noOp: true,
        why: `${target.version} is what ${active} runs, and ${active} has the traffic.`
      }
    }
    if (!sameVersion(idleMarker?.version, target.version)) {
      throw new UserError(
        `Neither colour of ${request.release} runs ${target.version}: ${active} (live) runs ${from.version ?? 'an unrecorded version'}, ${idle} runs ${idleMarker?.version ?? 'an unrecorded version'}.`
      )
    }
  }
  if (!idleNow || idleNow.status !== 'deployed') {
    throw new UserError(
      `Cannot switch ${request.release} back to ${idle}: release ${colorRelease(request.release, idle)} is ${idleNow ? idleNow.status : 'missing'}, not deployed and healthy.`
    )
  }
  const reader = new RevisionReader(
    deps.helm,
    request.release,
    request.namespace,
    revisions,
    request.imageValues
  )
  for (const candidate of revisions.filter(r => wasDeployed(r.status)).reverse()) {
    const facts = await reader.facts(candidate)
    if (facts.active === idle) {
      const to: RevisionFacts = {
        ...facts,
        ...(idleMarker?.version ? { version: idleMarker.version } : {}),
        ...(idleMarker?.digest ? { digest: idleMarker.digest } : {}),
        ...(idleMarker?.image ? { image: idleMarker.image } : {})
      }
      return {
        ...common,
        blueGreen: true,
        to,
        noOp: false,
        why: `blue-green: switching traffic from ${active} back to ${idle}, which still runs ${name(to)} (router revision ${candidate.revision}).`
      }
    }
  }
  throw new UserError(
    `The router ${request.release} never sent traffic to ${idle}, so there is nothing to switch back to.`
  )
}

function name(facts: RevisionFacts): string {
  const what = facts.version ?? (facts.digest ? shortDigest(facts.digest) : undefined)
  if (facts.active) return `${facts.active}${what ? ` ${what}` : ''}`
  return what ?? `chart ${facts.chartVersion}`
}

export function shortDigest(digest: string): string {
  return digest.replace(/^(sha256:)?([0-9a-f]{12})[0-9a-f]+$/, '$1$2')
}

/** Plans, then (unless a no-op or a dry run) rolls back: what the front door calls. */
export async function rollbackRelease(
  request: RollbackRequest,
  deps: HelmDeps
): Promise<RollbackResult> {
  const [, history] = await Promise.all([
    deps.helm.version(),
    readHistory(deps.helm, request.release, request.namespace)
  ])
  const plan = await planRollback(request, deps, history)
  return applyRollback(plan, request, deps)
}

/** Carries a plan out with `helm rollback`, then marks revisions Helm left pending as failed. */
export async function applyRollback(
  plan: RollbackPlan,
  request: RollbackRequest,
  deps: HelmDeps
): Promise<RollbackResult> {
  const helmVersion = await deps.helm.version()
  const base = {
    ...plan,
    helmVersion,
    durationMs: 0,
    markedFailed: [] as number[],
    newRevision: null,
    rolledBack: false
  }
  if (plan.noOp) {
    deps.log.info(`Nothing to do: ${plan.why}`)
    return base
  }
  if (plan.pending.includes(plan.latest)) {
    deps.log.warning(
      `Revision ${plan.latest} of ${request.release} is ${plan.from.status}: if a deploy is still running on it, it will fail once this rollback replaces it.`
    )
  }
  if (request.dryRun) {
    deps.log.info(
      `Dry run: would roll ${request.release} back from revision ${plan.from.revision} to ${plan.to.revision}: ${plan.why}`
    )
    return base
  }
  const args = [
    'rollback',
    request.release,
    String(plan.to.revision),
    '--namespace',
    request.namespace,
    ...waitFlags(helmVersion, request.wait),
    '--timeout',
    helmDuration(request.timeoutMs)
  ]
  deps.log.info(`helm ${args.join(' ')}`)
  const result = await deps.helm.attempt(args, { timeoutMs: request.timeoutMs + 120_000 })
  if (result.code !== 0) {
    throw new UserError(
      `Rolling ${request.release} back to revision ${plan.to.revision} failed: ${helmMessage(result)}`
    )
  }
  // Helm numbers the rollback revision one above the latest; its exit status says it deployed.
  const restored = { revision: plan.latest + 1, status: 'deployed' }
  const markedFailed: number[] = []
  for (const revision of plan.pending) {
    const note = `pending revision abandoned; marked failed by mlops-actions when rolling back to ${plan.to.revision}`
    if (await markRevisionFailed(deps.records, request.release, request.namespace, revision, note))
      markedFailed.push(revision)
  }
  deps.log.info(
    `${request.release}: revision ${restored.revision} restores revision ${plan.to.revision} (${restored.status}) in ${(result.durationMs / 1000).toFixed(2)} s`
  )
  return {
    ...base,
    rolledBack: true,
    newRevision: restored.revision,
    durationMs: result.durationMs,
    markedFailed
  }
}
