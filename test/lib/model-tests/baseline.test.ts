/** Baseline sources against the GitHub API simulator (releases, assets, deployments). */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UserError } from '../../../src/lib/errors.js'
import {
  fetchEnvironmentBaseline,
  fetchReleaseBaseline,
  readBaselineFile
} from '../../../src/lib/model-tests/baseline.js'
import { metricsObject } from '../../../src/lib/model-tests/metrics.js'
import { startGitHubSimulator, type GitHubSimulator } from '../../github-sim/index.js'
import { OWNER, REPO, client, deploy, publishRelease } from './github-fixtures.js'

const where = { owner: OWNER, repo: REPO }
let sim: GitHubSimulator

beforeEach(async () => {
  sim = await startGitHubSimulator({ acceptAnySha: true })
})
afterEach(async () => {
  sim.assertNoViolations()
  await sim.stop()
})

describe('baseline from a file', () => {
  test('reads a metrics file and names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baseline-'))
    writeFileSync(join(dir, 'prod.json'), '{"accuracy": 0.98}')
    const baseline = await readBaselineFile(join(dir, 'prod.json'), 'prod.json')
    if (!('metrics' in baseline)) throw new Error(baseline.reason)
    expect(metricsObject(baseline.metrics)).toEqual({ accuracy: 0.98 })
    expect(baseline.info).toEqual({ source: 'file', description: 'file prod.json' })
  })

  test('a missing file is a missing baseline (no data); a broken one is a clear error naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baseline-'))
    await expect(readBaselineFile(join(dir, 'nope.json'), 'nope.json')).resolves.toEqual({
      reason: 'the baseline file nope.json does not exist',
      missing: true
    })
    writeFileSync(join(dir, 'bad.json'), 'accuracy=0.9')
    await expect(readBaselineFile(join(dir, 'bad.json'), 'bad.json')).rejects.toThrow(
      /The metrics file bad\.json \(baseline\) is not valid JSON/
    )
  })
})

describe('baseline from a release', () => {
  test('latest is the newest published release, not a pre-release', async () => {
    await publishRelease(sim, 'v1.0.0', { 'metrics.json': '{"accuracy": 0.95}' })
    await publishRelease(sim, 'v1.1.0', { 'metrics.json': '{"accuracy": 0.97}', 'model.pkl': 'x' })
    await publishRelease(
      sim,
      'v1.2.0-beta.1',
      { 'metrics.json': '{"accuracy": 0.5}' },
      { prerelease: true }
    )
    const baseline = await fetchReleaseBaseline(await client(sim), where, 'latest', 'metrics.json')
    expect('metrics' in baseline && metricsObject(baseline.metrics)).toEqual({ accuracy: 0.97 })
    expect('info' in baseline && baseline.info.description).toBe(
      'release v1.1.0 (asset metrics.json)'
    )
  })

  test('a tag picks that release; another asset name can be read', async () => {
    await publishRelease(sim, 'v1.0.0', { 'eval.json': '{"f1": {"macro": 0.9}}' })
    await publishRelease(sim, 'v1.1.0', { 'eval.json': '{"f1": {"macro": 0.8}}' })
    const baseline = await fetchReleaseBaseline(await client(sim), where, 'v1.0.0', 'eval.json')
    expect('metrics' in baseline && metricsObject(baseline.metrics)).toEqual({ 'f1.macro': 0.9 })
  })

  test('no release yet is no baseline (said, not failed); a wrong tag or asset is an error', async () => {
    const github = await client(sim)
    expect(await fetchReleaseBaseline(github, where, 'latest', 'metrics.json')).toEqual({
      reason: 'acme/model-repo has no published release yet'
    })
    await publishRelease(sim, 'v1.0.0', { 'model.pkl': 'x' })
    await expect(fetchReleaseBaseline(github, where, 'v9.9.9', 'metrics.json')).rejects.toThrow(
      'baseline-release: acme/model-repo has no release with the tag v9.9.9.'
    )
    const missing = fetchReleaseBaseline(github, where, 'v1.0.0', 'metrics.json')
    await expect(missing).rejects.toBeInstanceOf(UserError)
    await expect(fetchReleaseBaseline(github, where, 'v1.0.0', 'metrics.json')).rejects.toThrow(
      'The release v1.0.0 has no asset named metrics.json (it has model.pkl)'
    )
  })
})

describe('baseline from the release deployed to an environment', () => {
  test("is the newest successful deployment's release, skipping failed ones and other environments", async () => {
    await publishRelease(sim, 'v1.0.0', { 'metrics.json': '{"accuracy": 0.95}' })
    await publishRelease(sim, 'v1.1.0', { 'metrics.json': '{"accuracy": 0.97}' })
    await publishRelease(sim, 'v1.2.0', { 'metrics.json': '{"accuracy": 0.99}' })
    await deploy(sim, 'prod', 'v1.0.0', 'success')
    const live = await deploy(sim, 'prod', 'v1.1.0', 'success')
    await deploy(sim, 'prod', 'v1.2.0', 'failure')
    await deploy(sim, 'staging', 'v1.2.0', 'success')
    const baseline = await fetchEnvironmentBaseline(
      await client(sim),
      where,
      'prod',
      'metrics.json'
    )
    expect('metrics' in baseline && metricsObject(baseline.metrics)).toEqual({ accuracy: 0.97 })
    expect('info' in baseline && baseline.info.description).toBe(
      `release v1.1.0 (asset metrics.json), deployed to prod by deployment ${live}`
    )
  })

  test("reads the tag from the audit record's version when the deployment ref is a SHA", async () => {
    await publishRelease(sim, 'v2.0.0', { 'metrics.json': '{"accuracy": 0.91}' })
    await deploy(sim, 'prod', 'a'.repeat(40), 'success', {
      schema: 'mlops-actions/audit/v1',
      version: '2.0.0'
    })
    const baseline = await fetchEnvironmentBaseline(
      await client(sim),
      where,
      'prod',
      'metrics.json'
    )
    expect('metrics' in baseline && metricsObject(baseline.metrics)).toEqual({ accuracy: 0.91 })
  })

  test('nothing deployed is no baseline; a deployment naming no release is an error', async () => {
    const github = await client(sim)
    expect(await fetchEnvironmentBaseline(github, where, 'prod', 'metrics.json')).toEqual({
      reason: 'nothing has been deployed to prod successfully yet'
    })
    await deploy(sim, 'prod', 'a'.repeat(40), 'success', {})
    await expect(fetchEnvironmentBaseline(github, where, 'prod', 'metrics.json')).rejects.toThrow(
      /baseline-environment: the deployment now live in prod \(id \d+, ref a{40}\) names no GitHub release/
    )
  })
})
