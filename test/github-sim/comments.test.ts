import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createGitHubClient, httpStatus, type GitHubClient } from '../../src/lib/github/client.js'
import { startGitHubSimulator, type GitHubSimulator } from './index.js'

const repo = { owner: 'acme', repo: 'model' }
let sim: GitHubSimulator
let github: GitHubClient

beforeEach(async () => {
  sim = await startGitHubSimulator()
  github = await createGitHubClient({ token: 'test-token', baseUrl: sim.url })
})

afterEach(async () => {
  try {
    sim.assertNoViolations()
  } finally {
    await sim.stop()
  }
})

describe('issue comments', () => {
  it('creates, lists, updates and deletes a comment', async () => {
    const created = await github.rest.issues.createComment({
      ...repo,
      issue_number: 12,
      body: 'Deployed **v1.0.0** to staging'
    })
    expect(created.status).toBe(201)
    expect(created.data).toMatchObject({
      body: 'Deployed **v1.0.0** to staging',
      user: { login: 'github-actions[bot]', type: 'Bot' }
    })
    expect(created.data.issue_url).toBe(`${sim.url}/repos/acme/model/issues/12`)

    const updated = await github.rest.issues.updateComment({
      ...repo,
      comment_id: created.data.id,
      body: 'Deployed v1.0.1'
    })
    expect(updated.data.body).toBe('Deployed v1.0.1')

    const listed = await github.rest.issues.listComments({ ...repo, issue_number: 12 })
    expect(listed.data.map(c => c.body)).toEqual(['Deployed v1.0.1'])
    expect(sim.state.comments('acme/model', 12).map(c => c.body)).toEqual(['Deployed v1.0.1'])

    await github.rest.issues.deleteComment({ ...repo, comment_id: created.data.id })
    const gone = await github.rest.issues
      .getComment({ ...repo, comment_id: created.data.id })
      .catch((e: unknown) => e)
    expect(httpStatus(gone)).toBe(404)
    expect(sim.state.comments('acme/model')).toHaveLength(0)
  })

  it('pages a long list with Link headers, 30 a page by default', async () => {
    for (let i = 1; i <= 75; i++) sim.state.addComment('acme/model', 7, `comment ${i}`)
    sim.state.addComment('acme/model', 8, 'on another issue')

    const firstPage = await github.rest.issues.listComments({ ...repo, issue_number: 7 })
    expect(firstPage.data).toHaveLength(30)
    expect(firstPage.headers.link).toContain('page=2>; rel="next"')
    expect(firstPage.headers.link).toContain('page=3>; rel="last"')
    expect(firstPage.headers.link).not.toContain('rel="prev"')

    const middle = await github.rest.issues.listComments({
      ...repo,
      issue_number: 7,
      per_page: 20,
      page: 2
    })
    expect(middle.data.map(c => c.body)).toEqual(
      Array.from({ length: 20 }, (_, i) => `comment ${i + 21}`)
    )
    const link = middle.headers.link ?? ''
    for (const rel of ['prev', 'next', 'last', 'first']) expect(link).toContain(`rel="${rel}"`)
    expect(link).toContain('per_page=20&page=4>; rel="last"')

    const all = await github.paginate(github.rest.issues.listComments, {
      ...repo,
      issue_number: 7,
      per_page: 30
    })
    expect(all.map(c => c.body)).toEqual(Array.from({ length: 75 }, (_, i) => `comment ${i + 1}`))
    const pageRequests = sim.state.requests.filter(r => r.operationId === 'issues/list-comments')
    expect(pageRequests).toHaveLength(2 + 3)
  })

  it('lists only comments updated since a time', async () => {
    const old = sim.state.addComment('acme/model', 5, 'old')
    old.updatedAt = '2026-01-01T00:00:00Z'
    sim.state.addComment('acme/model', 5, 'new')
    const recent = await github.rest.issues.listComments({
      ...repo,
      issue_number: 5,
      since: '2026-06-01T00:00:00Z'
    })
    expect(recent.data.map(c => c.body)).toEqual(['new'])
  })

  it("caps per_page at 100 and lists a repository's comments across issues", async () => {
    for (let i = 1; i <= 120; i++) sim.state.addComment('acme/model', i % 3, `c${i}`)
    const page = await github.rest.issues.listCommentsForRepo({ ...repo, per_page: 100 })
    expect(page.data).toHaveLength(100)
    expect(page.headers.link).toContain('rel="next"')
  })
})
