import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'

describe('the simulator CLI', () => {
  it('prints GITHUB_API_URL, serves the API and the admin state, and stops on SIGTERM', async () => {
    const sha = 'c'.repeat(40)
    const child = spawn('node_modules/.bin/tsx', ['test/github-sim/cli.ts', '--commit', sha], {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    try {
      const lines = createInterface({ input: child.stdout })
      const [first] = (await once(lines, 'line')) as [string]
      const url = /^GITHUB_API_URL=(http:\/\/127\.0\.0\.1:\d+)$/.exec(first)?.[1]
      expect(url).toBeDefined()

      const created = await fetch(`${url}/repos/acme/model/git/refs`, {
        method: 'POST',
        headers: { authorization: 'token demo', 'content-type': 'application/json' },
        body: JSON.stringify({ ref: 'refs/heads/main', sha })
      })
      expect(created.status).toBe(201)
      const seeded = await fetch(`${url}/_sim/refs`, {
        method: 'POST',
        body: JSON.stringify({ repo: 'acme/model', ref: 'refs/tags/v0.1.0', sha: 'd'.repeat(40) })
      })
      expect(seeded.status).toBe(204)
      const state = (await (await fetch(`${url}/_sim/state`)).json()) as {
        repositories: Array<{ refs: Record<string, string> }>
      }
      expect(state.repositories[0]?.refs).toEqual({
        'refs/heads/main': sha,
        'refs/tags/v0.1.0': 'd'.repeat(40)
      })
    } finally {
      child.kill('SIGTERM')
    }
    const [code] = (await once(child, 'exit')) as [number | null]
    expect(code).toBe(0)
  })
})
