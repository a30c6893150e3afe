/** dist/ is committed and must be what `npm run bundle` builds from the current sources. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from '../harness/run-action.js'

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map(entry => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort()
}

test('dist/ matches a fresh build of the sources', () => {
  const out = mkdtempSync(join(tmpdir(), 'dist-'))
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'bundle.mjs'), '--out', out], {
    cwd: repoRoot,
    stdio: 'pipe'
  })
  const committed = join(repoRoot, 'dist')
  expect(files(committed)).toEqual(files(out))
  const stale = files(out).filter(
    f => !readFileSync(join(out, f)).equals(readFileSync(join(committed, f)))
  )
  expect(stale).toEqual([])
}, 600_000)
