/** The sticky pull-request comment against the GitHub API simulator. */
import { markerFor, tokenLogin, upsertStickyComment } from '../../../src/lib/github/pr-comment.js'
import { startGitHubSimulator, type GitHubSimulator } from '../../github-sim/index.js'
import { OWNER, REPO, client } from '../model-tests/github-fixtures.js'

const MARKER = markerFor('mlops-actions:run-model-tests')
const FULL_NAME = `${OWNER}/${REPO}`
let sim: GitHubSimulator

beforeEach(async () => {
  sim = await startGitHubSimulator()
})
afterEach(async () => {
  sim.assertNoViolations()
  await sim.stop()
})

const options = (body: string, issueNumber = 7) => ({
  owner: OWNER,
  repo: REPO,
  issueNumber,
  marker: MARKER,
  body,
  author: 'github-actions[bot]'
})

test('creates the comment once, then edits it in place', async () => {
  const github = await client(sim)
  const first = await upsertStickyComment(github, options('first run'))
  const second = await upsertStickyComment(github, options('second run'))
  expect(first.action).toBe('created')
  expect(second).toMatchObject({ action: 'updated', id: first.id, removed: [] })
  const comments = sim.state.comments(FULL_NAME, 7)
  expect(comments).toHaveLength(1)
  expect(comments[0]?.body).toBe(`${MARKER}\nsecond run`)
})

test("finds its comment past the first page, and leaves other people's and other actions' alone", async () => {
  for (let i = 0; i < 130; i++) sim.state.addComment(FULL_NAME, 7, `discussion ${i}`)
  const ours = sim.state.addComment(FULL_NAME, 7, `${MARKER}\nold report`, 'github-actions[bot]')
  const other = sim.state.addComment(
    FULL_NAME,
    7,
    `${markerFor('mlops-actions:version-tag')}\nversion`
  )
  sim.state.addComment(FULL_NAME, 8, `${MARKER}\nanother pull request`)
  const result = await upsertStickyComment(await client(sim), options('new report'))
  expect(result).toMatchObject({ action: 'updated', id: ours.id })
  const comments = sim.state.comments(FULL_NAME, 7)
  expect(comments).toHaveLength(132)
  expect(comments.filter(c => c.body.includes(MARKER)).map(c => c.body)).toEqual([
    `${MARKER}\nnew report`
  ])
  expect(comments.find(c => c.id === other.id)?.body).toContain('version')
  expect(sim.state.comments(FULL_NAME, 8)[0]?.body).toBe(`${MARKER}\nanother pull request`)
  // 132 comments on the pull request: both pages of 100 were read.
  const listed = sim.state.requests.filter(r => r.operationId === 'issues/list-comments')
  expect(listed).toHaveLength(2)
})

test('two runs that raced to create it are brought back to one comment', async () => {
  const keep = sim.state.addComment(FULL_NAME, 7, `${MARKER}\nrun A`, 'github-actions[bot]')
  const extra = sim.state.addComment(FULL_NAME, 7, `${MARKER}\nrun B`, 'github-actions[bot]')
  const result = await upsertStickyComment(await client(sim), options('run C'))
  expect(result).toMatchObject({ action: 'updated', id: keep.id, removed: [extra.id] })
  expect(sim.state.comments(FULL_NAME, 7).map(c => c.body)).toEqual([`${MARKER}\nrun C`])
})

test("someone else's comment with the marker is neither taken over nor able to suppress the report", async () => {
  const planted = sim.state.addComment(FULL_NAME, 7, `${MARKER}\nfake: all tests passed`, 'mallory')
  const result = await upsertStickyComment(await client(sim), options('the real report'))
  expect(result.action).toBe('created')
  const comments = sim.state.comments(FULL_NAME, 7)
  expect(comments.find(c => c.id === planted.id)?.body).toBe(`${MARKER}\nfake: all tests passed`)
  expect(comments.find(c => c.id === result.id)).toMatchObject({
    user: 'github-actions[bot]',
    body: `${MARKER}\nthe real report`
  })
})

test('the token names its own user: GET /user for a person, GraphQL viewer for the Actions bot', async () => {
  expect(await tokenLogin(await client(sim))).toBe('github-actions[bot]')
  const requests = sim.state.requests.map(r => [r.method, r.path, r.status])
  expect(requests).toEqual([
    ['GET', '/user', 403],
    ['POST', '/graphql', 200]
  ])
  await sim.stop()
  sim = await startGitHubSimulator({ users: { ghp_person: 'octocat' } })
  const person = await client(sim, 'ghp_person')
  expect(await tokenLogin(person)).toBe('octocat')
})

test("a body over GitHub's limit is cut, keeping the marker", async () => {
  const github = await client(sim)
  await upsertStickyComment(github, options('x'.repeat(70_000)))
  const body = sim.state.comments(FULL_NAME, 7)[0]?.body ?? ''
  expect(body.length).toBeLessThanOrEqual(65536)
  expect(body.startsWith(MARKER)).toBe(true)
  expect(body).toContain('the job summary has the full report')
})

test('a marker name that could break out of the HTML comment is refused', () => {
  expect(() => markerFor('x --> <b>')).toThrow('Not a usable comment marker name')
})
