import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removeWorkDir } from '../../src/actions/build-image/main.js'

// build-image's post step (post-if: always()) after a cancelled build: the work directory with
// its credential files (buildah's auth file, docker's private config) is removed; a path the
// action did not make is never touched.
afterEach(() => {
  delete process.env['STATE_work-dir']
})

test('removes the work directory a cancelled build left behind', async () => {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'))
  const workDir = join(runnerTemp, 'build-image-Ab12Cd')
  mkdirSync(join(workDir, 'buildah-auth'), { recursive: true })
  writeFileSync(join(workDir, 'buildah-auth', 'config.json'), '{"auths":{}}')
  process.env['STATE_work-dir'] = workDir
  await removeWorkDir()
  expect(existsSync(workDir)).toBe(false)
})

test('leaves alone a path it did not make', async () => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'not-ours-'))
  process.env['STATE_work-dir'] = elsewhere
  await removeWorkDir()
  expect(existsSync(elsewhere)).toBe(true)
})
