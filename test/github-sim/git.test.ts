import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createGitHubClient, httpStatus, type GitHubClient } from '../../src/lib/github/client.js'
import { startGitHubSimulator, type GitHubSimulator } from './index.js'

const repo = { owner: 'acme', repo: 'model' }
const first = '1'.repeat(40)
const second = '2'.repeat(40)
const stranger = 'f'.repeat(40)

let sim: GitHubSimulator
let github: GitHubClient

beforeEach(async () => {
  sim = await startGitHubSimulator({ commits: [first, { sha: second, parents: [first] }] })
  github = await createGitHubClient({ token: 'test-token', baseUrl: sim.url })
})

afterEach(async () => {
  try {
    sim.assertNoViolations()
  } finally {
    await sim.stop()
  }
})

async function statusAndMessage(
  call: Promise<unknown>
): Promise<{ status: number | undefined; message: string }> {
  try {
    await call
  } catch (error) {
    return {
      status: httpStatus(error),
      message:
        (error as { response?: { data?: { message?: string } } }).response?.data?.message ?? ''
    }
  }
  throw new Error('expected the request to fail')
}

describe('git refs and annotated tags', () => {
  it('creates an annotated tag and a ref to it, and reads both back', async () => {
    const tag = await github.rest.git.createTag({
      ...repo,
      tag: 'v1.2.0',
      message: 'Release 1.2.0',
      object: first,
      type: 'commit',
      tagger: { name: 'Release Bot', email: 'bot@example.com', date: '2026-01-02T03:04:05Z' }
    })
    expect(tag.status).toBe(201)
    expect(tag.data.sha).toMatch(/^[0-9a-f]{40}$/)
    expect(tag.data.object).toMatchObject({ sha: first, type: 'commit' })

    const ref = await github.rest.git.createRef({
      ...repo,
      ref: 'refs/tags/v1.2.0',
      sha: tag.data.sha
    })
    expect(ref.status).toBe(201)
    expect(ref.data.object).toMatchObject({ sha: tag.data.sha, type: 'tag' })

    const got = await github.rest.git.getRef({ ...repo, ref: 'tags/v1.2.0' })
    expect(got.data.ref).toBe('refs/tags/v1.2.0')
    expect(got.data.object.sha).toBe(tag.data.sha)

    const read = await github.rest.git.getTag({ ...repo, tag_sha: tag.data.sha })
    expect(read.data).toMatchObject({
      tag: 'v1.2.0',
      message: 'Release 1.2.0',
      tagger: { name: 'Release Bot', date: '2026-01-02T03:04:05Z' }
    })
    expect(sim.state.ref('acme/model', 'refs/tags/v1.2.0')).toBe(tag.data.sha)
    expect(sim.state.tokens).toEqual(['test-token'])
  })

  it('gives two identical tag objects the same git SHA, as git does', async () => {
    const body = {
      ...repo,
      tag: 'v1',
      message: 'm',
      object: first,
      type: 'commit' as const,
      tagger: { name: 'a', email: 'a@b.c', date: '2026-01-01T00:00:00Z' }
    }
    const a = await github.rest.git.createTag(body)
    const b = await github.rest.git.createTag(body)
    expect(a.data.sha).toBe(b.data.sha)
  })

  it('answers 422 "Reference already exists" for a second create of the same ref', async () => {
    await github.rest.git.createRef({ ...repo, ref: 'refs/tags/v1.0.0', sha: first })
    const failure = await statusAndMessage(
      github.rest.git.createRef({ ...repo, ref: 'refs/tags/v1.0.0', sha: second })
    )
    expect(failure).toEqual({ status: 422, message: 'Reference already exists' })
    expect(sim.state.ref('acme/model', 'refs/tags/v1.0.0')).toBe(first)
  })

  it('refuses a ref to a commit GitHub does not know, unless told to accept any SHA', async () => {
    const failure = await statusAndMessage(
      github.rest.git.createRef({ ...repo, ref: 'refs/heads/x', sha: stranger })
    )
    expect(failure).toEqual({ status: 422, message: 'Object does not exist' })

    sim.state.addCommits([stranger])
    await expect(
      github.rest.git.createRef({ ...repo, ref: 'refs/heads/x', sha: stranger })
    ).resolves.toMatchObject({ status: 201 })

    const lenient = await startGitHubSimulator({ acceptAnySha: true })
    try {
      const client = await createGitHubClient({ token: 'test-token', baseUrl: lenient.url })
      await expect(
        client.rest.git.createRef({ ...repo, ref: 'refs/heads/y', sha: 'e'.repeat(40) })
      ).resolves.toMatchObject({ status: 201 })
      lenient.assertNoViolations()
    } finally {
      await lenient.stop()
    }
  })

  it('refuses a ref name without refs/ and two slashes', async () => {
    const failure = await statusAndMessage(
      github.rest.git.createRef({ ...repo, ref: 'v1.0.0', sha: first })
    )
    expect(failure.status).toBe(422)
  })

  it('answers 404 for a ref that does not exist', async () => {
    expect(
      (await statusAndMessage(github.rest.git.getRef({ ...repo, ref: 'tags/nope' }))).status
    ).toBe(404)
  })

  it('updates refs only by fast-forward unless forced, and deletes them', async () => {
    sim.state.setRef('acme/model', 'refs/heads/main', second)
    const backwards = await statusAndMessage(
      github.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: first })
    )
    expect(backwards).toEqual({ status: 422, message: 'Update is not a fast forward' })
    const forced = await github.rest.git.updateRef({
      ...repo,
      ref: 'heads/main',
      sha: first,
      force: true
    })
    expect(forced.data.object.sha).toBe(first)
    const forward = await github.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: second })
    expect(forward.data.object.sha).toBe(second)

    await expect(github.rest.git.deleteRef({ ...repo, ref: 'heads/main' })).resolves.toMatchObject({
      status: 204
    })
    expect(sim.state.ref('acme/model', 'refs/heads/main')).toBeUndefined()
    const again = await statusAndMessage(github.rest.git.deleteRef({ ...repo, ref: 'heads/main' }))
    expect(again).toEqual({ status: 422, message: 'Reference does not exist' })
  })

  it('lists refs by prefix', async () => {
    sim.state.setRef('acme/model', 'refs/tags/v1.0.0', first)
    sim.state.setRef('acme/model', 'refs/tags/v1.1.0', second)
    sim.state.setRef('acme/model', 'refs/heads/main', second)
    const tags = await github.rest.git.listMatchingRefs({ ...repo, ref: 'tags/v1.' })
    expect(tags.data.map(r => r.ref)).toEqual(['refs/tags/v1.0.0', 'refs/tags/v1.1.0'])
    const none = await github.rest.git.listMatchingRefs({ ...repo, ref: 'tags/v2' })
    expect(none.data).toEqual([])
    const heads = await github.rest.git.listMatchingRefs({ ...repo, ref: 'heads' })
    expect(heads.data).toEqual([
      expect.objectContaining({
        ref: 'refs/heads/main',
        object: expect.objectContaining({ sha: second })
      })
    ])
  })

  it('keeps repositories apart', async () => {
    sim.state.setRef('acme/model', 'refs/tags/v1.0.0', first)
    expect(
      (
        await statusAndMessage(
          github.rest.git.getRef({ owner: 'acme', repo: 'other', ref: 'tags/v1.0.0' })
        )
      ).status
    ).toBe(404)
  })
})
