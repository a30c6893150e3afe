/**
 * Writes whose answer is lost after GitHub applied them (a 502 from a proxy): retrying blindly
 * leaves an orphan Deployment or a second comment. Against the simulator's `lost-response`
 * fault, each create is looked up before it is made again.
 */
import { startDeployment } from '../../../src/lib/github/deployments.js'
import { markerFor, upsertStickyComment } from '../../../src/lib/github/pr-comment.js'
import { startGitHubSimulator, type GitHubSimulator } from '../../github-sim/index.js'
import { OWNER, REPO, SHA, client } from '../model-tests/github-fixtures.js'

let sim: GitHubSimulator
beforeEach(async () => {
  sim = await startGitHubSimulator({ acceptAnySha: true })
})
afterEach(async () => {
  sim.assertNoViolations()
  await sim.stop()
})

test('a Deployment created but answered 502 is found, not created twice', async () => {
  sim.faults.add({ type: 'lost-response', method: 'POST', path: /\/deployments$/ })
  const id = await startDeployment(await client(sim), {
    owner: OWNER,
    repo: REPO,
    ref: SHA,
    environment: 'prod',
    task: 'deploy',
    description: 'deploy model 1.0.0',
    payload: { startedAt: '2026-12-05T12:00:00.000Z', release: 'model' } as never,
    logUrl: '',
    environmentUrl: ''
  })
  expect(sim.faults.fired.map(f => f.type)).toEqual(['lost-response'])
  const deployments = sim.state.deployments(`${OWNER}/${REPO}`)
  expect(deployments.map(d => d.id)).toEqual([id])
  expect(deployments[0]!.statuses.map(s => s.state)).toEqual(['in_progress'])
})

test('a comment created but answered 502 is found, not posted twice', async () => {
  sim.faults.add({ type: 'lost-response', method: 'POST', path: '/issues/7/comments' })
  const marker = markerFor('mlops-actions:run-model-tests')
  const result = await upsertStickyComment(await client(sim), {
    owner: OWNER,
    repo: REPO,
    issueNumber: 7,
    marker,
    body: 'the report',
    author: 'github-actions[bot]'
  })
  expect(result.action).toBe('created')
  expect(sim.faults.fired.map(f => f.type)).toEqual(['lost-response'])
  const comments = sim.state.comments(`${OWNER}/${REPO}`, 7)
  expect(comments.map(c => c.id)).toEqual([result.id])
})
