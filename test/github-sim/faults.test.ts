import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createGitHubClient, httpStatus, type GitHubClient } from '../../src/lib/github/client.js'
import { startGitHubSimulator, type GitHubSimulator } from './index.js'

const repo = { owner: 'acme', repo: 'model' }
const main = 'a'.repeat(40)
let sim: GitHubSimulator
let github: GitHubClient
let warnings: string[]

beforeEach(async () => {
  sim = await startGitHubSimulator({ commits: [main] })
  sim.state.setRef('acme/model', 'refs/heads/main', main)
  warnings = []
  github = await createGitHubClient({
    token: 'test-token',
    baseUrl: sim.url,
    log: { warning: m => warnings.push(m) }
  })
})

afterEach(async () => {
  try {
    sim.assertNoViolations()
  } finally {
    await sim.stop()
  }
})

describe('injected faults', () => {
  it('answers 502 once; the client retries and the write happens exactly once', async () => {
    sim.faults.add({ status: 502, times: 1, path: '/issues/3/comments', method: 'POST' })
    const created = await github.rest.issues.createComment({
      ...repo,
      issue_number: 3,
      body: 'hello'
    })
    expect(created.status).toBe(201)
    expect(sim.state.requests.map(r => r.status)).toEqual([502, 201])
    expect(sim.state.comments('acme/model', 3)).toHaveLength(1)
    expect(sim.faults.fired).toEqual([
      { type: 'status', method: 'POST', path: '/repos/acme/model/issues/3/comments' }
    ])
    expect(sim.faults.list()).toEqual([])
  })

  it('keeps failing while the fault lasts, so the client gives up with the 5xx', async () => {
    const impatient = await createGitHubClient({
      token: 'test-token',
      baseUrl: sim.url,
      retries: 1
    })
    sim.faults.add({ status: 503, times: Infinity, path: /\/git\/ref\// })
    const error = await impatient.rest.git
      .getRef({ ...repo, ref: 'heads/main' })
      .catch((e: unknown) => e)
    expect(httpStatus(error)).toBe(503)
    expect(sim.state.requests.map(r => r.status)).toEqual([503, 503])
    // Other paths are unaffected.
    await expect(impatient.rest.repos.get(repo)).resolves.toMatchObject({ status: 200 })
  })

  it('sends a secondary rate limit the throttling plugin recognises, and the client waits retry-after', async () => {
    sim.faults.add({ type: 'secondary-rate-limit', retryAfter: 1, path: '/git/ref/' })
    const ref = await github.rest.git.getRef({ ...repo, ref: 'heads/main' })
    expect(ref.data.object.sha).toBe(main)
    const [limited, retried] = sim.state.requests
    expect(limited?.status).toBe(403)
    expect(retried?.status).toBe(200)
    expect((retried?.receivedAt ?? 0) - (limited?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950)
    expect(warnings.join('\n')).toContain(
      'GitHub secondary rate limit on GET /repos/{owner}/{repo}/git/ref/{ref}; retry 1/3 in 1 s'
    )
  })

  it('sends a primary rate limit (403, x-ratelimit-remaining: 0) the client waits out until the reset', async () => {
    sim.faults.add({
      type: 'primary-rate-limit',
      status: 403,
      resetAfterSeconds: 1,
      path: '/git/ref/'
    })
    const ref = await github.rest.git.getRef({ ...repo, ref: 'heads/main' })
    expect(ref.status).toBe(200)
    expect(sim.state.requests.map(r => r.status)).toEqual([403, 200])
    expect(warnings.join('\n')).toContain(
      'GitHub rate limit on GET /repos/{owner}/{repo}/git/ref/{ref}; retry 1/3'
    )
  })

  it('sends a primary rate limit as 429 too, which the client retries', async () => {
    sim.faults.add({
      type: 'primary-rate-limit',
      status: 429,
      resetAfterSeconds: 1,
      path: '/git/ref/'
    })
    const ref = await github.rest.git.getRef({ ...repo, ref: 'heads/main' })
    expect(ref.status).toBe(200)
    expect(sim.state.requests.map(r => r.status)).toEqual([429, 200])
  })

  it('delays answers without failing them', async () => {
    sim.faults.add({ type: 'delay', ms: 400, times: 1 })
    const started = Date.now()
    await expect(github.rest.repos.get(repo)).resolves.toMatchObject({ status: 200 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(400)
    expect(sim.faults.fired.map(f => f.type)).toEqual(['delay'])
  })

  it('takes faults over HTTP at /_sim/faults for the demo', async () => {
    const added = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ status: 502, times: 1, pathRegex: '^/rate_limit$' })
    })
    expect(added.status).toBe(201)
    const listed = (await (await fetch(`${sim.url}/_sim/faults`)).json()) as {
      pending: Array<{ path: string; left: number }>
    }
    expect(listed.pending).toEqual([
      expect.objectContaining({ status: 502, path: '/^\\/rate_limit$/', left: 1 })
    ])

    await expect(github.rest.rateLimit.get()).resolves.toMatchObject({ status: 200 })
    expect(sim.state.requests.map(r => r.status)).toEqual([502, 200])
    const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as { tokens: string[] }
    expect(state.tokens).toEqual(['test-token'])
  })
})

describe('authentication', () => {
  it('answers 401 without a token and records the token of each request', async () => {
    const anonymous = await fetch(`${sim.url}/repos/acme/model`)
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toMatchObject({ message: 'Requires authentication' })

    const bearer = await fetch(`${sim.url}/repos/acme/model`, {
      headers: { authorization: 'Bearer other-token' }
    })
    expect(bearer.status).toBe(200)
    await github.rest.repos.get(repo)
    expect(sim.state.requests.map(r => r.token)).toEqual([undefined, 'other-token', 'test-token'])
    expect(sim.state.tokens).toEqual(['other-token', 'test-token'])
  })

  it('answers 401 "Bad credentials" for a token it was not told to accept', async () => {
    const strict = await startGitHubSimulator({ tokens: ['the-right-one'] })
    try {
      const wrong = await createGitHubClient({ token: 'test-token', baseUrl: strict.url })
      const error = await wrong.rest.repos.get(repo).catch((e: unknown) => e)
      expect(httpStatus(error)).toBe(401)
      expect((error as Error).message).toContain('Bad credentials')
      const right = await createGitHubClient({ token: 'the-right-one', baseUrl: strict.url })
      await expect(right.rest.repos.get(repo)).resolves.toMatchObject({ status: 200 })
    } finally {
      await strict.stop()
    }
  })
})
