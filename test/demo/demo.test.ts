/**
 * `npm run demo` runs start to finish: the story's promotions land where they should, the bad
 * hotfix is caught by the canary and rolled back, and everything it started is stopped.
 */
import { join } from 'node:path'
import { runCommand } from '../../src/lib/command.js'
import { repoRoot } from '../harness/run-action.js'

test('the demo runs the whole promotion, catches the bad canary and cleans up', async () => {
  const result = await runCommand(
    join(repoRoot, 'node_modules', '.bin', 'tsx'),
    [join(repoRoot, 'demo', 'run.ts')],
    {
      cwd: repoRoot,
      check: false,
      timeoutMs: 600_000
    }
  )
  const out = result.stdout
  expect(result.code).toBe(0)
  expect(out).toMatch(/develop\s+dev\s+0\.1\.0-alpha\.\d+\s+\w+\s+deployed/)
  expect(out).toMatch(/release\/1\.0\.0\s+staging\s+1\.0\.0-beta\.1\s+\w+\s+deployed/)
  expect(out).toMatch(/main\s+prod\s+1\.0\.0\s+\w+\s+deployed/)
  expect(out).toMatch(/hotfix\/1\.0\.1\s+staging\s+1\.0\.1-beta\.1\s+\w+\s+deployed/)
  expect(out).toMatch(/main\s+prod\s+1\.0\.1\s+\w+\s+rolled back\s+fail/)
  expect(out).toContain('the digest staging tested (')
  expect(out).toMatch(/build once: .*: same/)
  expect(out).toContain('rolled back: true')
  expect(out).toContain('Demo finished in')
  // The canary was removed and stable kept serving.
  expect(out).toMatch(/The canary was removed; model revision 1 serves all traffic/)
}, 600_000)
