import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createGitHubClient, httpStatus, type GitHubClient } from '../../src/lib/github/client.js'
import { startGitHubSimulator, type GitHubSimulator } from './index.js'

const repo = { owner: 'acme', repo: 'model' }
const main = 'd'.repeat(40)
let sim: GitHubSimulator
let github: GitHubClient

beforeEach(async () => {
  sim = await startGitHubSimulator()
  sim.state.setRef('acme/model', 'refs/heads/main', main)
  github = await createGitHubClient({ token: 'test-token', baseUrl: sim.url })
})

afterEach(async () => {
  try {
    sim.assertNoViolations()
  } finally {
    await sim.stop()
  }
})

describe('releases and release assets', () => {
  it('publishes a release, creating its tag at the target, and finds it by tag and as latest', async () => {
    const created = await github.rest.repos.createRelease({
      ...repo,
      tag_name: 'v1.0.0',
      name: 'Model 1.0.0',
      body: 'notes'
    })
    expect(created.status).toBe(201)
    expect(created.data).toMatchObject({
      tag_name: 'v1.0.0',
      target_commitish: 'main',
      draft: false,
      name: 'Model 1.0.0'
    })
    expect(sim.state.ref('acme/model', 'refs/tags/v1.0.0')).toBe(main)

    expect((await github.rest.repos.getReleaseByTag({ ...repo, tag: 'v1.0.0' })).data.id).toBe(
      created.data.id
    )
    expect((await github.rest.repos.getLatestRelease(repo)).data.id).toBe(created.data.id)

    const duplicate = await github.rest.repos
      .createRelease({ ...repo, tag_name: 'v1.0.0' })
      .catch((e: unknown) => e)
    expect(httpStatus(duplicate)).toBe(422)
    expect((duplicate as { response: { data: unknown } }).response.data).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }]
    })
  })

  it('keeps drafts out of get-by-tag and creates no tag for them', async () => {
    await github.rest.repos.createRelease({ ...repo, tag_name: 'v2.0.0', draft: true })
    expect(sim.state.ref('acme/model', 'refs/tags/v2.0.0')).toBeUndefined()
    expect(
      httpStatus(
        await github.rest.repos.getReleaseByTag({ ...repo, tag: 'v2.0.0' }).catch((e: unknown) => e)
      )
    ).toBe(404)
    expect((await github.rest.repos.listReleases(repo)).data.map(r => r.tag_name)).toEqual([
      'v2.0.0'
    ])
  })

  it('uploads an asset to the upload_url and downloads the same bytes back', async () => {
    const { data: release } = await github.rest.repos.createRelease({ ...repo, tag_name: 'v1.0.0' })
    expect(release.upload_url).toBe(
      `${sim.url}/uploads/repos/acme/model/releases/${release.id}/assets{?name,label}`
    )
    const metrics = JSON.stringify({ accuracy: 0.93, latency_p95_ms: 41 })

    const uploaded = await github.rest.repos.uploadReleaseAsset({
      ...repo,
      release_id: release.id,
      url: release.upload_url,
      name: 'baseline-metrics.json',
      label: 'Baseline metrics',
      data: metrics,
      headers: { 'content-type': 'application/json' }
    })
    expect(uploaded.status).toBe(201)
    expect(uploaded.data).toMatchObject({
      name: 'baseline-metrics.json',
      label: 'Baseline metrics',
      size: Buffer.byteLength(metrics),
      state: 'uploaded'
    })

    const assets = await github.rest.repos.listReleaseAssets({ ...repo, release_id: release.id })
    expect(assets.data.map(a => a.name)).toEqual(['baseline-metrics.json'])

    const download = await github.rest.repos.getReleaseAsset({
      ...repo,
      asset_id: uploaded.data.id,
      headers: { accept: 'application/octet-stream' }
    })
    expect(Buffer.from(download.data as unknown as ArrayBuffer).toString('utf8')).toBe(metrics)
    const browser = await fetch(uploaded.data.browser_download_url)
    expect(await browser.text()).toBe(metrics)
    expect(sim.state.releases('acme/model')[0]?.assets[0]?.downloadCount).toBe(2)

    const again = await github.rest.repos
      .uploadReleaseAsset({
        ...repo,
        release_id: release.id,
        url: release.upload_url,
        name: 'baseline-metrics.json',
        data: '{}',
        headers: { 'content-type': 'application/json' }
      })
      .catch((e: unknown) => e)
    expect(httpStatus(again)).toBe(422)
  })
})

describe('check runs', () => {
  it('creates a check run on a known commit and completes it with a conclusion', async () => {
    const created = await github.rest.checks.create({
      ...repo,
      name: 'model-tests',
      head_sha: main,
      status: 'in_progress',
      output: { title: 'Running', summary: 'pytest' }
    })
    expect(created.data).toMatchObject({
      name: 'model-tests',
      head_sha: main,
      status: 'in_progress',
      conclusion: null
    })
    const done = await github.rest.checks.update({
      ...repo,
      check_run_id: created.data.id,
      conclusion: 'success',
      output: { title: 'Passed', summary: '12 passed' }
    })
    expect(done.data).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      output: { title: 'Passed', summary: '12 passed' }
    })
    expect(done.data.completed_at).toEqual(expect.any(String))
    expect(sim.state.checkRuns('acme/model')[0]).toMatchObject({
      status: 'completed',
      conclusion: 'success'
    })
  })

  it('refuses a check run on a commit GitHub does not know', async () => {
    const error = await github.rest.checks
      .create({ ...repo, name: 'x', head_sha: '0'.repeat(40) })
      .catch((e: unknown) => e)
    expect(httpStatus(error)).toBe(422)
  })
})

describe('repository and rate limit', () => {
  it('describes any repository asked for, with main as default branch', async () => {
    const { data } = await github.rest.repos.get(repo)
    expect(data).toMatchObject({
      full_name: 'acme/model',
      default_branch: 'main',
      owner: { login: 'acme' }
    })
  })

  it('reports a rate limit budget', async () => {
    const { data } = await github.rest.rateLimit.get()
    expect(data.rate.remaining).toBeGreaterThan(0)
    expect(data.resources.core.limit).toBe(5000)
  })
})
