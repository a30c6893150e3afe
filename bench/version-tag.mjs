// version-tag on synthetic GitFlow repositories of 1,000, 20,000 and 100,000 commits (written
// with git fast-import), against the floor of one `git log` over all commits in the same run.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bareEnv, fmt, medianMs, node24, peakRssMiB, root, table } from './lib.mjs'

/**
 * A GitFlow history: main with a release tag every 500 commits (merged from a release branch),
 * develop carrying on from the last release with 40 commits and a merge. Most history lies
 * behind the last tag, as in a real repository.
 */
function writeRepository(commits) {
  const dir = mkdtempSync(join(tmpdir(), `bench-repo-${commits}-`))
  execFileSync('git', ['init', '-q', '-b', 'main', dir])
  const lines = []
  let mark = 0
  let time = 1_600_000_000
  const commit = (branch, message, parents) => {
    mark++
    time += 60
    lines.push(
      `commit refs/heads/${branch}`,
      `mark :${mark}`,
      `committer Bench <bench@example.com> ${time} +0000`
    )
    lines.push(`data ${Buffer.byteLength(message)}`, message)
    parents.forEach((p, i) => lines.push(`${i === 0 ? 'from' : 'merge'} :${p}`))
    lines.push(`M 644 inline file-${mark % 97}.txt`, `data ${String(mark).length}`, String(mark))
    return mark
  }
  let head = commit('main', 'initial', [])
  let release = 0
  const mainCommits = commits - 45
  while (mark < mainCommits) {
    head = commit('main', mark % 7 === 0 ? `feat: model change ${mark}` : `fix: tweak ${mark}`, [
      head
    ])
    if (mark % 500 === 0 || mark >= mainCommits) {
      release++
      const merge = commit('main', `Merge branch 'release/${release}.0.0'`, [head])
      lines.push(
        `tag v${release}.0.0`,
        `from :${merge}`,
        `tagger Bench <bench@example.com> ${time} +0000`,
        'data 7',
        'release'
      )
      head = merge
    }
  }
  let develop = commit('develop', 'start develop', [head])
  while (mark < commits - 1) develop = commit('develop', `feat: develop work ${mark}`, [develop])
  commit('develop', "Merge branch 'feature/x' into develop", [develop])
  execFileSync('git', ['fast-import', '--quiet'], {
    cwd: dir,
    input: lines.join('\n') + '\n',
    maxBuffer: 1 << 30
  })
  execFileSync('git', ['checkout', '-q', 'develop'], { cwd: dir })
  return dir
}

export function run() {
  const rows = []
  for (const commits of [1_000, 20_000, 100_000]) {
    const dir = writeRepository(commits)
    const count = execFileSync('git', ['rev-list', '--count', '--all'], {
      cwd: dir,
      encoding: 'utf8'
    }).trim()
    const env = bareEnv({
      GITHUB_WORKSPACE: dir,
      GITHUB_REF: 'refs/heads/develop',
      GITHUB_OUTPUT: '/dev/null',
      GITHUB_STEP_SUMMARY: '/dev/null',
      'INPUT_TAG-PREFIX': 'v',
      'INPUT_DEVELOP-LABEL': 'alpha',
      'INPUT_RELEASE-LABEL': 'beta',
      'INPUT_HOTFIX-LABEL': 'beta',
      'INPUT_CREATE-TAG': 'false'
    })
    const bundle = join(root, 'dist/version-tag/index.js')
    const floor = medianMs('git', ['log', '--all'], { cwd: dir, runs: 5 })
    const action = medianMs(node24, [bundle], { env, cwd: dir, runs: 5, expectExit: 0 })
    const nodeFloor = medianMs(node24, ['-e', '0'], { runs: 5 })
    const rss = peakRssMiB(node24, [bundle], { env, cwd: dir })
    const out = spawnSync(node24, [bundle], {
      env: { ...env, GITHUB_OUTPUT: '' },
      cwd: dir,
      encoding: 'utf8'
    }).stdout
    const version = /develop \(develop\) is (\S+?),/.exec(out)?.[1] ?? '?'
    rows.push([
      count,
      version,
      fmt(floor),
      fmt(action),
      fmt(nodeFloor),
      `${fmt(action / floor, 2)}×`,
      fmt(rss)
    ])
  }
  return [
    '### version-tag on synthetic GitFlow repositories',
    '',
    table(
      [
        'commits',
        'version',
        '`git log --all` ms',
        'version-tag ms',
        '`node -e 0` ms',
        'ratio to git log',
        'peak RSS MiB'
      ],
      rows
    ),
    '',
    'version-tag is the bundled action run by Node 24 as the runner does (median of 5, bare environment); the floor is one `git log --all` over the same repository in the same run.'
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(run())
