// Cold start of every bundle (load, parse inputs, report) against `node -e 0` and against a
// one-line bundle that only imports @actions/core, built here with the same ncc options.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { actionNames } from '../scripts/bundle.mjs'
import { actionDir } from '../scripts/docs.mjs'
import { bareEnv, fmt, medianMs, node24, root, table } from './lib.mjs'

function buildFloor() {
  const dir = mkdtempSync(join(root, 'node_modules', '.bench-floor-'))
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'index.mjs'), "import '@actions/core'\n")
  const out = join(mkdtempSync(join(tmpdir(), 'floor-')), 'dist')
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      join(dir, 'index.mjs'),
      '-o',
      out,
      '--target',
      'es2022',
      '--minify',
      '--quiet'
    ],
    { cwd: root }
  )
  return join(out, 'index.mjs')
}

/**
 * Inputs as the runner sets them (action.yml defaults), with the first boolean input made
 * invalid: the action loads, parses its inputs, reports the error and exits, touching nothing.
 */
function startupEnv(name) {
  const meta = parse(readFileSync(join(actionDir(name), 'action.yml'), 'utf8'))
  const env = bareEnv({
    GITHUB_OUTPUT: '/dev/null',
    GITHUB_STEP_SUMMARY: '/dev/null',
    RUNNER_TEMP: tmpdir()
  })
  let broken = false
  for (const [input, spec] of Object.entries(meta.inputs ?? {})) {
    let value = String(spec.default ?? '').replace(/\$\{\{[^}]*\}\}/g, 'token')
    if (!broken && (value === 'true' || value === 'false')) {
      value = 'maybe'
      broken = true
    }
    env[`INPUT_${input.toUpperCase()}`] = value
  }
  return env
}

export function run() {
  const floorBundle = buildFloor()
  const nodeFloor = medianMs(node24, ['-e', '0'], { runs: 21 })
  const rows = [['`node -e 0`', fmt(nodeFloor), '', '']]
  // Each action is timed in alternation with the floor bundle, so that both see the same load
  // on this shared machine; the ratio is the median of the per-round ratios.
  for (const name of actionNames()) {
    const floors = []
    const actions = []
    for (let round = 0; round < 21; round++) {
      floors.push(medianMs(node24, [floorBundle], { runs: 1 }))
      actions.push(
        medianMs(node24, [join(root, 'dist', name, 'index.js')], {
          env: startupEnv(name),
          runs: 1,
          expectExit: 1
        })
      )
    }
    const ratios = actions.map((ms, i) => ms / floors[i]).sort((a, b) => a - b)
    const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
    rows.push([
      `dist/${name}`,
      fmt(median(actions)),
      fmt(median(floors)),
      `${fmt(ratios[Math.floor(ratios.length / 2)], 2)}×`
    ])
  }
  return [
    '### Cold start (load, read and validate inputs, report)',
    '',
    table(
      [
        'bundle',
        'median ms (21 runs)',
        'floor bundle ms (same rounds)',
        'ratio to the @actions/core floor'
      ],
      rows
    ),
    '',
    'Node 24, bare environment; each action is given its action.yml defaults with its first boolean input invalid, so it stops after input validation.'
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(run())
