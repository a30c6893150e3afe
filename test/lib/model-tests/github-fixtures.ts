// Seeds the GitHub API simulator (through the API, so the requests are checked against GitHub's
// description too) with what run-model-tests reads: releases with a metrics asset, and
// deployments of those releases to an environment.
import { Octokit } from '@octokit/rest'
import { createGitHubClient, type GitHubClient } from '../../../src/lib/github/client.js'
import type { GitHubSimulator } from '../../github-sim/index.js'

export const OWNER = 'acme'
export const REPO = 'model-repo'
export const SHA = 'a'.repeat(40)

/** The client the action uses (with its throttling: writes are spaced a second apart). */
export function client(sim: GitHubSimulator, token = 'ghs_test'): Promise<GitHubClient> {
  return createGitHubClient({ token, baseUrl: sim.url, retries: 0 })
}

/** A bare client for seeding: no throttling, so setting up a test does not wait. */
function seeder(sim: GitHubSimulator): Octokit {
  return new Octokit({ auth: 'ghs_seed', baseUrl: sim.url })
}

export async function publishRelease(
  sim: GitHubSimulator,
  tag: string,
  assets: Record<string, string> = {},
  options: { prerelease?: boolean } = {}
): Promise<number> {
  const github = seeder(sim)
  const release = await github.rest.repos.createRelease({
    owner: OWNER,
    repo: REPO,
    tag_name: tag,
    target_commitish: SHA,
    prerelease: options.prerelease ?? false
  })
  for (const [name, content] of Object.entries(assets)) {
    await github.rest.repos.uploadReleaseAsset({
      owner: OWNER,
      repo: REPO,
      release_id: release.data.id,
      name,
      data: content,
      headers: { 'content-type': 'application/json' },
      baseUrl: `${sim.url}/uploads`
    })
  }
  return release.data.id
}

/** A deployment of `ref` to `environment` with the audit record's tag in its payload. */
export async function deploy(
  sim: GitHubSimulator,
  environment: string,
  ref: string,
  state: 'success' | 'failure',
  payload: Record<string, unknown> = { tag: ref }
): Promise<number> {
  const github = seeder(sim)
  const deployment = await github.rest.repos.createDeployment({
    owner: OWNER,
    repo: REPO,
    ref,
    environment,
    payload,
    required_contexts: [],
    auto_merge: false
  })
  const id = (deployment.data as { id: number }).id
  await github.rest.repos.createDeploymentStatus({
    owner: OWNER,
    repo: REPO,
    deployment_id: id,
    state
  })
  return id
}
