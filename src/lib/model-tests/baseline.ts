/**
 * Where the baseline metrics come from: a file in the workspace, the metrics asset of a GitHub
 * release (the latest, or a given tag), or the release now deployed to an environment, as its
 * newest successful GitHub Deployment records it (the audit record in the payload names the tag).
 */
import { readFile } from 'node:fs/promises'
import { UserError } from '../errors.js'
import { httpStatus, type GitHubClient } from '../github/client.js'
import { parseMetrics, type Metrics } from './metrics.js'
import type { BaselineInfo } from './report.js'

export type BaselineSource =
  | { kind: 'none' }
  | { kind: 'file'; path: string }
  | { kind: 'release'; release: string; asset: string }
  | { kind: 'environment'; environment: string; asset: string }

export interface Baseline {
  metrics: Metrics
  info: BaselineInfo
}

/**
 * No baseline values. Nothing to compare with yet (no release, nothing deployed) is said, not
 * failed; a baseline that should be there and is not (`missing`, an absent file) is no data,
 * which follows on-no-data.
 */
export interface NoBaseline {
  reason: string
  missing?: boolean
}

export async function readBaselineFile(
  path: string,
  shownAs = path
): Promise<Baseline | NoBaseline> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      return { reason: `the baseline file ${shownAs} does not exist`, missing: true }
    throw new UserError(`The baseline file ${shownAs} cannot be read (${code}).`)
  }
  return {
    metrics: parseMetrics(text, `${shownAs} (baseline)`),
    info: { source: 'file', description: `file ${shownAs}` }
  }
}

export interface RepositoryRef {
  owner: string
  repo: string
}

interface ReleaseData {
  id: number
  tag_name: string
  html_url: string
}

/** `latest` is GitHub's latest release (published, not a draft or pre-release). */
export async function fetchReleaseBaseline(
  github: GitHubClient,
  where: RepositoryRef,
  release: string,
  asset: string
): Promise<Baseline | NoBaseline> {
  let data: ReleaseData
  try {
    const response =
      release === 'latest'
        ? await github.rest.repos.getLatestRelease({ ...where })
        : await github.rest.repos.getReleaseByTag({ ...where, tag: release })
    data = response.data
  } catch (error) {
    if (httpStatus(error) !== 404) throw error
    if (release === 'latest') {
      return { reason: `${where.owner}/${where.repo} has no published release yet` }
    }
    throw new UserError(
      `baseline-release: ${where.owner}/${where.repo} has no release with the tag ${release}.`
    )
  }
  const metrics = await downloadMetricsAsset(github, where, data, asset)
  return {
    metrics,
    info: { source: 'release', description: `release ${data.tag_name} (asset ${asset})` }
  }
}

export async function fetchEnvironmentBaseline(
  github: GitHubClient,
  where: RepositoryRef,
  environment: string,
  asset: string
): Promise<Baseline | NoBaseline> {
  const deployments = await github.rest.repos.listDeployments({
    ...where,
    environment,
    per_page: 100
  })
  for (const deployment of deployments.data) {
    const statuses = await github.rest.repos.listDeploymentStatuses({
      ...where,
      deployment_id: deployment.id,
      per_page: 1
    })
    // GitHub marks earlier deployments inactive when a newer one succeeds: the newest one whose
    // latest status is success is what runs in the environment now.
    if (statuses.data[0]?.state !== 'success') continue
    const tags = candidateTags(deployment.payload, deployment.ref)
    for (const tag of tags) {
      let release: ReleaseData
      try {
        release = (await github.rest.repos.getReleaseByTag({ ...where, tag })).data
      } catch (error) {
        if (httpStatus(error) === 404) continue
        throw error
      }
      const metrics = await downloadMetricsAsset(github, where, release, asset)
      return {
        metrics,
        info: {
          source: 'environment',
          description: `release ${release.tag_name} (asset ${asset}), deployed to ${environment} by deployment ${deployment.id}`
        }
      }
    }
    throw new UserError(
      `baseline-environment: the deployment now live in ${environment} (id ${deployment.id}, ref ${deployment.ref}) names no GitHub release (tried ${tags.join(', ') || 'no tag'}); publish a release with a ${asset} asset for each deployed version, or use baseline-file.`
    )
  }
  return { reason: `nothing has been deployed to ${environment} successfully yet` }
}

/** The audit record in the payload names the tag; older deployments may only have a ref. */
function candidateTags(payload: unknown, ref: string): string[] {
  const record =
    typeof payload === 'string' ? safeJson(payload) : (payload as Record<string, unknown> | null)
  const tags: string[] = []
  const add = (tag: unknown) => {
    if (typeof tag === 'string' && tag !== '' && !tags.includes(tag)) tags.push(tag)
  }
  add(record?.tag)
  if (typeof record?.version === 'string') {
    add(record.version)
    add(`v${record.version}`)
  }
  add(ref.replace(/^refs\/tags\//, ''))
  return tags
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

async function downloadMetricsAsset(
  github: GitHubClient,
  where: RepositoryRef,
  release: ReleaseData,
  asset: string
): Promise<Metrics> {
  const assets = await github.paginate(github.rest.repos.listReleaseAssets, {
    ...where,
    release_id: release.id,
    per_page: 100
  })
  const found = assets.find(a => a.name === asset)
  if (!found) {
    throw new UserError(
      `The release ${release.tag_name} has no asset named ${asset} (it has ${assets.map(a => a.name).join(', ') || 'none'}): upload the model's metrics file to each release, or set baseline-asset.`
    )
  }
  const download = await github.rest.repos.getReleaseAsset({
    ...where,
    asset_id: found.id,
    headers: { accept: 'application/octet-stream' }
  })
  const text = Buffer.from(download.data as unknown as ArrayBuffer).toString('utf8')
  return parseMetrics(text, `${asset} of release ${release.tag_name} (baseline)`)
}
