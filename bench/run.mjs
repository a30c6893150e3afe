// `npm run bench`: every benchmark in one run, each against a floor measured in the same run,
// printed as Markdown tables. `npm run bench -- NAME...` runs some of them.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { bareEnv, root } from './lib.mjs'

const SUITES = [
  ['cold-start', 'cold-start.mjs', []],
  ['version-tag', 'version-tag.mjs', []],
  ['oci-push', 'oci-push.mjs', []],
  ['helm-overhead', 'helm-overhead.mjs', []],
  ['judge-quality', 'judge-quality.mjs', ['--sweep']],
  ['http-timeouts', 'http-timeouts.mjs', []]
]

const wanted = process.argv.slice(2)
console.log(
  `# Benchmarks\n\nCommand: \`npm run bench${wanted.length ? ` -- ${wanted.join(' ')}` : ''}\`, ${new Date().toISOString().slice(0, 10)}, ${process.platform} ${process.arch}\n`
)
let failed = false
for (const [name, file, args] of SUITES) {
  if (wanted.length && !wanted.includes(name)) continue
  const path = join(root, 'bench', file)
  if (!existsSync(path)) continue
  console.log(`## ${name}\n`)
  // A bare environment: this machine's NODE_EXTRA_CA_CERTS adds ~90 ms to every Node start.
  const result = spawnSync(process.execPath, [path, ...args], {
    cwd: root,
    env: bareEnv(),
    stdio: 'inherit'
  })
  if (result.status !== 0) failed = true
  console.log('')
}
process.exit(failed ? 1 : 0)
