import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createGitHubClient, httpStatus, type GitHubClient } from '../../src/lib/github/client.js'
import { startGitHubSimulator, type GitHubSimulator } from './index.js'

const repo = { owner: 'acme', repo: 'model' }
const main = 'a'.repeat(40)
const release = 'b'.repeat(40)

let sim: GitHubSimulator
let github: GitHubClient

beforeEach(async () => {
  sim = await startGitHubSimulator({ commits: [main, { sha: release, parents: [main] }] })
  sim.state.setRef('acme/model', 'refs/heads/main', main)
  sim.state.setRef('acme/model', 'refs/tags/v1.0.0', release)
  github = await createGitHubClient({ token: 'test-token', baseUrl: sim.url })
})

afterEach(async () => {
  try {
    sim.assertNoViolations()
  } finally {
    await sim.stop()
  }
})

type Deployment = Extract<
  Awaited<ReturnType<GitHubClient['rest']['repos']['getDeployment']>>['data'],
  { id: number }
>

/** Creates a deployment the way the deploy action does, insisting on 201 (not a 202 auto-merge). */
async function deploy(environment: string, ref: string): Promise<Deployment> {
  const response = await github.rest.repos.createDeployment({
    ...repo,
    ref,
    environment,
    auto_merge: false,
    required_contexts: [],
    payload: { version: ref },
    transient_environment: false,
    production_environment: environment === 'production'
  })
  if (response.status !== 201 || !('id' in response.data))
    throw new Error(`expected 201 and a deployment, got ${response.status}`)
  return response.data
}

describe('deployments and deployment statuses', () => {
  it('creates a deployment of a tag, resolved to its commit, with the fields as sent', async () => {
    const created = await deploy('staging', 'v1.0.0')
    expect(created).toMatchObject({
      ref: 'v1.0.0',
      sha: release,
      environment: 'staging',
      task: 'deploy',
      payload: { version: 'v1.0.0' },
      production_environment: false,
      transient_environment: false,
      creator: { login: 'github-actions[bot]' }
    })
    const [stored] = sim.state.deployments('acme/model')
    expect(stored).toMatchObject({ autoMerge: false, requiredContexts: [] })
  })

  it('answers 422 for a ref that is neither a branch, a tag nor a known commit', async () => {
    const error = await deploy('staging', 'no-such-branch').catch((e: unknown) => e)
    expect(httpStatus(error)).toBe(422)
    expect(sim.state.deployments('acme/model')).toHaveLength(0)
  })

  it('records statuses with environment_url and lists them newest first', async () => {
    const deployment = await deploy('staging', 'main')
    await github.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: deployment.id,
      state: 'in_progress',
      log_url: 'https://ci.example/run/1'
    })
    const success = await github.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: deployment.id,
      state: 'success',
      environment_url: 'https://staging.example/model'
    })
    expect(success.status).toBe(201)
    expect(success.data).toMatchObject({
      state: 'success',
      environment: 'staging',
      environment_url: 'https://staging.example/model'
    })

    const listed = await github.rest.repos.listDeploymentStatuses({
      ...repo,
      deployment_id: deployment.id
    })
    expect(listed.data.map(s => s.state)).toEqual(['success', 'in_progress'])
  })

  it('marks earlier successful deployments of the same environment inactive on a new success', async () => {
    const old = await deploy('production', 'main')
    await github.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: old.id,
      state: 'success'
    })
    const other = await deploy('staging', 'main')
    await github.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: other.id,
      state: 'success'
    })
    const fresh = await deploy('production', 'v1.0.0')
    await github.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: fresh.id,
      state: 'success'
    })

    const latest = async (id: number): Promise<string | undefined> =>
      (await github.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: id, per_page: 1 }))
        .data[0]?.state
    expect(await latest(old.id)).toBe('inactive')
    expect(await latest(other.id)).toBe('success')
    expect(await latest(fresh.id)).toBe('success')
  })

  it('leaves earlier deployments alone when auto_inactive is false or the state is not success', async () => {
    const old = await deploy('production', 'main')
    await github.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: old.id,
      state: 'success'
    })
    const fresh = await deploy('production', 'v1.0.0')
    await github.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: fresh.id,
      state: 'failure'
    })
    await github.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: fresh.id,
      state: 'success',
      auto_inactive: false
    })
    expect(sim.state.deployments('acme/model')[0]?.statuses.map(s => s.state)).toEqual(['success'])
  })

  it('lists deployments newest first, filtered by environment', async () => {
    sim.state.addCommits(['c'.repeat(40)])
    const first = await deploy('production', 'main')
    await deploy('staging', 'main')
    const third = await deploy('production', 'c'.repeat(40))
    const listed = await github.rest.repos.listDeployments({ ...repo, environment: 'production' })
    expect(listed.data.map(d => d.id)).toEqual([third.id, first.id])
    const bySha = await github.rest.repos.listDeployments({ ...repo, sha: 'c'.repeat(40) })
    expect(bySha.data.map(d => d.id)).toEqual([third.id])
  })
})
