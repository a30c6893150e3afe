import { UserError } from '../errors.js'
import type { Helm } from './helm-cli.js'
import { HelmError, isReleaseNotFound } from './helm-cli.js'

export type ReleaseStatus =
  | 'deployed'
  | 'superseded'
  | 'failed'
  | 'pending-install'
  | 'pending-upgrade'
  | 'pending-rollback'
  | 'uninstalling'
  | 'uninstalled'
  | 'unknown'

/** One revision as `helm history -o json` lists it, with what our description recorded. */
export interface Revision {
  revision: number
  status: ReleaseStatus
  updated: Date
  /** `model-server-0.1.0`, as Helm prints it. */
  chart: string
  chartVersion: string
  appVersion: string
  description: string
  /** What mlops-actions wrote in the description, when this revision is one of its deploys. */
  marker?: DeployMarker
  /** For a `helm rollback` revision ("Rollback to N"): N. */
  rollbackOf?: number
}

/**
 * What a deploy records in the revision's description, so that history alone (one Helm call)
 * tells which version and digest each revision ran: `helm history` shows descriptions in every
 * Helm version, while release labels are readable only through Helm 4's `get metadata`.
 */
export interface DeployMarker {
  action: string
  version?: string
  digest?: string
  image?: string
  strategy?: string
  /** Blue-green: the colour a colour release runs, or the one a router sends traffic to. */
  color?: string
  active?: string
  run?: string
}

const MARKER_PREFIX = 'mlops-actions'
const MARKER_KEYS = ['version', 'digest', 'image', 'strategy', 'color', 'active', 'run'] as const

export function describeDeploy(marker: DeployMarker): string {
  const fields = MARKER_KEYS.flatMap(key => (marker[key] ? [`${key}=${marker[key]}`] : []))
  return [MARKER_PREFIX, marker.action, ...fields].join(' ')
}

export function parseDescription(description: string): DeployMarker | undefined {
  const [prefix, action, ...fields] = description.trim().split(/\s+/)
  if (prefix !== MARKER_PREFIX || !action) return undefined
  const marker: DeployMarker = { action }
  for (const field of fields) {
    const at = field.indexOf('=')
    const key = field.slice(0, at) as (typeof MARKER_KEYS)[number]
    if (at > 0 && MARKER_KEYS.includes(key)) marker[key] = field.slice(at + 1)
  }
  return marker
}

const STATUSES: readonly ReleaseStatus[] = [
  'deployed',
  'superseded',
  'failed',
  'pending-install',
  'pending-upgrade',
  'pending-rollback',
  'uninstalling',
  'uninstalled'
]

export function isPending(status: ReleaseStatus): boolean {
  return status.startsWith('pending-')
}

/** Deployed now, or deployed before a later revision replaced it. */
export function wasDeployed(status: ReleaseStatus): boolean {
  return status === 'deployed' || status === 'superseded'
}

interface HistoryEntry {
  revision: number
  updated: string
  status: string
  chart: string
  app_version?: string
  description?: string
}

export function parseHistory(json: string): Revision[] {
  let entries: unknown
  try {
    entries = JSON.parse(json)
  } catch {
    throw new UserError(`helm history printed something that is not JSON: ${json.slice(0, 200)}`)
  }
  if (!Array.isArray(entries)) return []
  return (entries as HistoryEntry[])
    .map(entry => {
      const description = entry.description ?? ''
      const marker = parseDescription(description)
      const rollback = /^Rollback to (\d+)$/.exec(description.trim())
      const revision: Revision = {
        revision: Number(entry.revision),
        status: (STATUSES as readonly string[]).includes(entry.status)
          ? (entry.status as ReleaseStatus)
          : 'unknown',
        updated: new Date(entry.updated),
        chart: entry.chart,
        chartVersion: chartVersionOf(entry.chart),
        appVersion: entry.app_version ?? '',
        description
      }
      if (marker) revision.marker = marker
      if (rollback) revision.rollbackOf = Number(rollback[1])
      return revision
    })
    .sort((a, b) => a.revision - b.revision)
}

/** `model-server-0.1.0-rc.1` → `0.1.0-rc.1`: the version starts at the first `-<digit>.<digit>`. */
export function chartVersionOf(chart: string): string {
  const match = /-(v?\d+\.\d+.*)$/.exec(chart)
  return match?.[1] ?? ''
}

export function chartNameOf(chart: string): string {
  const version = chartVersionOf(chart)
  return version ? chart.slice(0, chart.length - version.length - 1) : chart
}

/** The release's history, oldest first; empty when the release does not exist. */
export async function readHistory(
  helm: Helm,
  release: string,
  namespace: string
): Promise<Revision[]> {
  const args = ['history', release, '--namespace', namespace, '--output', 'json', '--max', '256']
  const result = await helm.attempt(args)
  if (result.code !== 0) {
    if (isReleaseNotFound(result)) return []
    throw new HelmError(args, result)
  }
  return parseHistory(result.stdout)
}

/** The values a revision was given (`helm get values`), {} when it was given none. */
export async function readValues(
  helm: Helm,
  release: string,
  namespace: string,
  revision?: number
): Promise<Record<string, unknown> | undefined> {
  const args = ['get', 'values', release, '--namespace', namespace, '--output', 'json']
  if (revision !== undefined) args.push('--revision', String(revision))
  const result = await helm.attempt(args)
  if (result.code !== 0) {
    if (isReleaseNotFound(result)) return undefined
    throw new HelmError(args, result)
  }
  const parsed: unknown = JSON.parse(result.stdout.trim() || 'null')
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {}
}

/** Reads `a.b.c` from nested values. */
export function valueAt(values: Record<string, unknown> | undefined, path: string): unknown {
  let node: unknown = values
  for (const key of path.split('.')) {
    if (!node || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

/** The latest revision, or undefined for a release that does not exist. */
export function latest(history: readonly Revision[]): Revision | undefined {
  return history.at(-1)
}

/** The revision a rollback revision restored, followed through rollbacks of rollbacks. */
export function origin(history: readonly Revision[], revision: Revision): Revision {
  let current = revision
  const seen = new Set<number>()
  while (current.rollbackOf !== undefined && !seen.has(current.revision)) {
    seen.add(current.revision)
    const source = history.find(r => r.revision === current.rollbackOf)
    if (!source) break
    current = source
  }
  return current
}
