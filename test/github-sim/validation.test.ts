import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { startGitHubSimulator, type GitHubSimulator } from './index.js'
import { githubDescription, prepareDescription } from './openapi.js'
import { handlers } from './routes/index.js'

const main = 'a'.repeat(40)
let sim: GitHubSimulator

beforeEach(async () => {
  sim = await startGitHubSimulator({ commits: [main] })
})

afterEach(async () => {
  await sim.stop()
})

const call = (
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {}
): Promise<Response> =>
  fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: 'token test-token', 'content-type': 'application/json', ...headers },
    ...(body !== undefined && { body })
  })

describe("requests checked against GitHub's OpenAPI description", () => {
  it('rejects a body of the wrong shape with 422, records it, and changes nothing', async () => {
    const response = await call(
      'POST',
      '/repos/acme/model/git/refs',
      JSON.stringify({ ref: 'refs/tags/v1', sha: 12345 })
    )
    expect(response.status).toBe(422)
    const body = (await response.json()) as { message: string }
    expect(body.message).toMatch(/^Invalid request\./)
    expect(body.message).toContain('/sha must be string')
    expect(sim.state.ref('acme/model', 'refs/tags/v1')).toBeUndefined()
    expect(sim.state.violations).toEqual([
      expect.objectContaining({
        kind: 'request',
        method: 'POST',
        operationId: 'git/create-ref',
        problems: ['body: /sha must be string (got 12345)']
      })
    ])
    expect(() => sim.assertNoViolations()).toThrow(
      /\[request\] POST \/repos\/acme\/model\/git\/refs \(git\/create-ref\): body: \/sha must be string/
    )
  })

  it('rejects a body missing a required property and a body that is not JSON', async () => {
    const missing = await call(
      'POST',
      '/repos/acme/model/deployments',
      JSON.stringify({ environment: 'staging' })
    )
    expect(missing.status).toBe(422)
    expect(((await missing.json()) as { message: string }).message).toContain(
      "must have required property 'ref'"
    )
    const broken = await call('POST', '/repos/acme/model/deployments', '{"ref": ')
    expect(broken.status).toBe(400)
    expect(await broken.json()).toMatchObject({ message: 'Problems parsing JSON' })
    expect(sim.state.violations.map(v => v.kind)).toEqual(['request', 'request'])
    expect(sim.state.deployments('acme/model')).toHaveLength(0)
  })

  it('rejects a property of the wrong enum value', async () => {
    sim.state.setRef('acme/model', 'refs/heads/main', main)
    const created = await call(
      'POST',
      '/repos/acme/model/deployments',
      JSON.stringify({ ref: 'main', auto_merge: false, required_contexts: [] })
    )
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: number }
    const status = await call(
      'POST',
      `/repos/acme/model/deployments/${id}/statuses`,
      JSON.stringify({ state: 'done' })
    )
    expect(status.status).toBe(422)
    expect(sim.state.violations[0]?.problems[0]).toMatch(
      /^body: \/state must be equal to one of the allowed values/
    )
  })

  it('answers 404 for paths that are not GitHub operations, and records them', async () => {
    const response = await call('GET', '/repos/acme/model/no-such-thing')
    expect(response.status).toBe(404)
    expect(sim.state.violations[0]).toMatchObject({
      kind: 'request',
      problems: [expect.stringContaining('is not an operation')]
    })
  })

  it('records operations GitHub has but the simulator does not model as unsimulated', async () => {
    const response = await call('GET', '/repos/acme/model/pulls')
    expect(response.status).toBe(404)
    expect(sim.state.violations[0]).toMatchObject({
      kind: 'unsimulated',
      operationId: 'pulls/list'
    })
    expect(() => sim.assertNoViolations()).toThrow(/does not model pulls\/list/)
  })

  it('checks query parameters and the upload host', async () => {
    const release = await call(
      'POST',
      '/repos/acme/model/releases',
      JSON.stringify({ tag_name: 'v1', draft: true })
    )
    const { id } = (await release.json()) as { id: number }
    const noName = await call('POST', `/uploads/repos/acme/model/releases/${id}/assets`, 'x', {
      'content-type': 'text/plain'
    })
    expect(noName.status).toBe(422)
    const wrongHost = await call(
      'POST',
      `/repos/acme/model/releases/${id}/assets?name=a.txt`,
      'x',
      { 'content-type': 'text/plain' }
    )
    expect(wrongHost.status).toBe(404)
    const badPage = await call('GET', '/repos/acme/model/releases?per_page=many')
    expect(badPage.status).toBe(422)
    const badId = await call('GET', '/repos/acme/model/releases/latest-but-one')
    expect(badId.status).toBe(404)
    expect(sim.state.violations.map(v => v.problems.join())).toEqual([
      '"name" wasn\'t supplied.',
      "repos/upload-release-asset is served on the uploads host: use the release's upload_url",
      expect.stringContaining("query parameter 'per_page'"),
      expect.stringContaining("path parameter 'release_id'")
    ])
  })
})

describe('the validators themselves', () => {
  const description = githubDescription()

  it('knows every operation the simulator serves', () => {
    for (const id of Object.keys(handlers))
      expect(description.operationIds().has(id) ? id : `unknown ${id}`).toBe(id)
  })

  it('finds a response missing required fields or with an undocumented status', () => {
    const operation = description.match('GET', '/repos/o/r/git/ref/heads/main')?.operation
    if (!operation) throw new Error('git/get-ref is missing from the description')
    expect(
      description.checkResponse(operation, 200, {
        ref: 'refs/heads/main',
        node_id: 'x',
        url: 'http://h/x'
      })
    ).toEqual([
      { where: '200 response body', message: "(root) must have required property 'object'" }
    ])
    expect(description.checkResponse(operation, 418, {})[0]?.message).toMatch(
      /418 is not a documented response/
    )
  })

  it('turns OpenAPI nullable into JSON Schema null types and drops prose, not properties', () => {
    expect(prepareDescription({ type: 'string', nullable: true, enum: ['a'] })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null]
    })
    expect(prepareDescription({ allOf: [{ $ref: '#/x' }], nullable: true })).toEqual({
      anyOf: [{ allOf: [{ $ref: '#/x' }] }, { type: 'null' }]
    })
    expect(
      prepareDescription({
        type: 'object',
        description: 'A deployment',
        example: { nullable: true },
        properties: { description: { type: 'string', nullable: true, description: 'prose' } }
      })
    ).toEqual({ type: 'object', properties: { description: { type: ['string', 'null'] } } })
  })
})
