import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { UserError } from '../errors.js'
import type { HelmVersion } from './helm-cli.js'
import { atomicFlags, helmDuration, supportsReleaseLabels, waitFlags } from './flags.js'

/** A value we compute (image, track, colours), set on top of the user's values files. */
export type ComputedValue = readonly [path: string, value: string | number | boolean]

export interface UpgradeSpec {
  release: string
  namespace: string
  /** A chart directory, a packaged chart, `repo/name` or `oci://...`. */
  chart: string
  chartVersion?: string
  /** The user's values files, in order (later ones win). */
  valuesFiles: readonly string[]
  /** Written by the caller from the `values` input; applied after the values files. */
  inlineValuesFile?: string
  computed: readonly ComputedValue[]
  atomic: boolean
  wait: boolean
  timeoutMs: number
  historyMax: number
  createNamespace: boolean
  plainHttp: boolean
  description: string
  labels: Record<string, string>
}

/**
 * `helm upgrade --install` as an argument array. User values arrive as files only (`-f`);
 * `--set-string` / `--set-json` carry only values we computed and validated, so no user text is
 * ever parsed by Helm's `--set` syntax (where `,`, `=`, `.` and `\` have meanings).
 */
export function upgradeArgs(spec: UpgradeSpec, version: HelmVersion): string[] {
  const args = ['upgrade', spec.release, spec.chart, '--install', '--namespace', spec.namespace]
  if (spec.chartVersion) args.push('--version', spec.chartVersion)
  for (const file of spec.valuesFiles) args.push('--values', file)
  if (spec.inlineValuesFile) args.push('--values', spec.inlineValuesFile)
  for (const [path, value] of spec.computed) {
    if (typeof value === 'string') args.push('--set-string', `${path}=${value}`)
    else args.push('--set-json', `${path}=${JSON.stringify(value)}`)
  }
  args.push(...atomicFlags(version, spec.atomic))
  // Helm 3's --atomic implies --wait; Helm 4's --rollback-on-failure defaults it to watcher.
  // Saying it explicitly keeps the behaviour identical in both.
  args.push(...waitFlags(version, spec.wait || spec.atomic))
  args.push('--timeout', helmDuration(spec.timeoutMs))
  args.push('--history-max', String(spec.historyMax))
  if (spec.createNamespace) args.push('--create-namespace')
  if (spec.plainHttp && spec.chart.startsWith('oci://')) args.push('--plain-http')
  if (spec.description) args.push('--description', spec.description)
  const labels = Object.entries(spec.labels)
  if (labels.length > 0 && supportsReleaseLabels(version)) {
    args.push('--labels', labels.map(([k, v]) => `${k}=${v}`).join(','))
  }
  args.push('--output', 'json')
  return args
}

const COMPUTED_PATH = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/
// --set-string splits on commas and treats backslashes as escapes: our values never hold them.
const SAFE_STRING = /^[^,\\\n]*$/

export function checkComputed(values: readonly ComputedValue[]): void {
  for (const [path, value] of values) {
    if (!COMPUTED_PATH.test(path))
      throw new UserError(`"${path}" is not a value name such as image.digest`)
    if (typeof value === 'string' && !SAFE_STRING.test(value)) {
      throw new UserError(
        `The value for ${path} holds a comma, backslash or newline: ${JSON.stringify(value)}`
      )
    }
  }
}

/**
 * A release label value must be a Kubernetes label value: at most 63 characters of
 * alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric. Others are made to fit.
 */
export function labelValue(text: string): string {
  const trim = (value: string) => value.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
  return trim(trim(text.replace(/[^A-Za-z0-9._-]/g, '_')).slice(0, 63))
}

/** The `values` input as a file Helm reads with `-f`, private to this run. */
export async function writeInlineValues(
  dir: string,
  yaml: string
): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = join(dir, `mlops-values-${randomBytes(6).toString('hex')}.yaml`)
  await writeFile(path, yaml, { mode: 0o600 })
  return { path, remove: () => rm(path, { force: true }) }
}
