import { gunzipSync } from 'node:zlib'
import type { KubeObject } from './types.js'
import { isJsonMap } from './types.js'

/** A Helm release revision as Helm stored it in its Secret, decoded for assertions. */
export interface StoredRelease {
  name: string
  namespace: string
  revision: number
  status: string
  description: string
  manifest: string
  values: Record<string, unknown>
  chart: { name: string; version: string; appVersion?: string }
  labels: Record<string, string>
}

/**
 * Helm's `data.release` is base64 text of gzipped JSON, and a Secret's data is base64 again.
 * Returns undefined for Secrets that are not Helm release records.
 */
export function decodeReleaseSecret(secret: KubeObject): StoredRelease | undefined {
  const labels = secret.metadata.labels ?? {}
  const data = isJsonMap(secret.data) ? secret.data : {}
  if (labels.owner !== 'helm' || typeof data.release !== 'string') return undefined
  const inner = Buffer.from(Buffer.from(data.release, 'base64').toString('utf8'), 'base64')
  const json =
    inner[0] === 0x1f && inner[1] === 0x8b
      ? gunzipSync(inner).toString('utf8')
      : inner.toString('utf8')
  const release = JSON.parse(json) as {
    name: string
    namespace: string
    version: number
    manifest?: string
    config?: Record<string, unknown>
    info?: { status?: string; description?: string }
    chart?: { metadata?: { name?: string; version?: string; appVersion?: string } }
  }
  return {
    name: release.name,
    namespace: release.namespace,
    revision: release.version,
    status: release.info?.status ?? '',
    description: release.info?.description ?? '',
    manifest: release.manifest ?? '',
    values: release.config ?? {},
    chart: {
      name: release.chart?.metadata?.name ?? '',
      version: release.chart?.metadata?.version ?? '',
      ...(release.chart?.metadata?.appVersion
        ? { appVersion: release.chart.metadata.appVersion }
        : {})
    },
    labels
  }
}
