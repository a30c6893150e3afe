#!/usr/bin/env node
// Builds one ESM bundle per action with ncc: dist/<name>/index.js for every actions/<name>/action.yml
// and dist/deploy/index.js for deploy/action.yml. `--out DIR` builds elsewhere (the staleness test
// compares such a build with the committed dist/). `--only NAME` builds one action.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export function actionNames() {
  const names = readdirSync(join(root, 'actions'), { withFileTypes: true })
    .filter(
      entry => entry.isDirectory() && existsSync(join(root, 'actions', entry.name, 'action.yml'))
    )
    .map(entry => entry.name)
  if (existsSync(join(root, 'deploy', 'action.yml'))) names.push('deploy')
  return names.sort()
}

function build(name, outDir) {
  const entry = join(root, 'src', 'actions', name, 'index.ts')
  const out = join(outDir, name)
  rmSync(out, { recursive: true, force: true })
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
        'build',
        entry,
        '-o',
        out,
        '--target',
        'es2022',
        '--minify',
        '--no-source-map-register',
        '--license',
        'licenses.txt',
        '--quiet'
      ],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] }
    )
    child.on('close', code =>
      code === 0 ? resolve() : reject(new Error(`ncc failed for ${name} (exit ${code})`))
    )
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const outIndex = args.indexOf('--out')
  const outDir = outIndex >= 0 ? args[outIndex + 1] : join(root, 'dist')
  const onlyIndex = args.indexOf('--only')
  const names = onlyIndex >= 0 ? [args[onlyIndex + 1]] : actionNames()
  // Two builds at a time: ncc is single-threaded and these machines have two cores.
  const queue = [...names]
  const worker = async () => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      await build(name, outDir)
      console.log(`bundled ${name}`)
    }
  }
  await Promise.all([worker(), worker()])
}
