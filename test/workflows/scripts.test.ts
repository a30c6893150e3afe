/**
 * The workflows' shell steps, run for real in bash as the runner runs them, with stand-ins only
 * for `gh`, the one program that would reach GitHub: real git, jq and Helm.
 */
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from '../harness/run-action.js'
import { GitRepo } from '../support/git-repo.js'
import { runWorkflowStep } from './workflow-model.js'

const PROMOTE = '.github/workflows/promote.yml'
const PR_CHECKS = '.github/workflows/pr-checks.yml'
const RELEASE = '.github/workflows/release.yml'
const ROLLBACK = '.github/workflows/rollback.yml'
const REPOSITORY = 'acme/churn-model'

const GH_STUB = `#!/usr/bin/env bash
# Answers \`gh api\` from files named after the method and path, and logs every call.
set -euo pipefail
printf '%s\\n' "$*" >> "$STUB_DIR/gh-calls"
shift
method=GET; expr=''; url=''; fields=()
while (( $# )); do
  case "$1" in
    --paginate) shift ;;
    --jq) expr="$2"; shift 2 ;;
    --method) method="$2"; shift 2 ;;
    -f|-F) fields+=("$2"); shift 2 ;;
    *) url="$1"; shift ;;
  esac
done
for field in "\${fields[@]}"; do
  if [[ "$field" == *=@* ]]; then cp "\${field#*=@}" "$STUB_DIR/last-body"; fi
done
key="$(printf '%s %s' "$method" "\${url%%\\?*}" | tr '/ ' '__')"
file="$STUB_DIR/$key.json"
if [[ ! -f "$file" ]]; then echo "gh: Not Found (HTTP 404) $method $url" >&2; exit 1; fi
if [[ -n "$expr" ]]; then jq -r "$expr" "$file"; else cat "$file"; fi
`

let stubs: string

beforeAll(() => {
  // The scripts parse JSON with jq, as GitHub's runners have it; here it is a Debian package.
  for (const [program, install] of [
    ['jq', 'apt-get install jq'],
    ['git', 'apt-get install git']
  ] as const)
    if (spawnSync(program, ['--version']).status !== 0)
      throw new Error(`${program} is missing: ${install}`)
  if (!existsSync(join(repoRoot, '.tools', 'helm3', 'helm')))
    throw new Error('Helm is missing from .tools/helm3: run node scripts/setup.mjs')
})

beforeEach(() => {
  stubs = mkdtempSync(join(tmpdir(), 'wf-stubs-'))
  mkdirSync(join(stubs, 'bin'))
  writeFileSync(join(stubs, 'bin', 'gh'), GH_STUB)
  chmodSync(join(stubs, 'bin', 'gh'), 0o755)
})

afterEach(() => rmSync(stubs, { recursive: true, force: true }))

function answer(method: string, path: string, body: unknown): void {
  const key = `${method} ${path}`.replace(/[/ ]/g, '_')
  writeFileSync(join(stubs, `${key}.json`), JSON.stringify(body))
}

function calls(name: 'gh'): string[] {
  const file = join(stubs, `${name}-calls`)
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []
}

function stubEnv(): Record<string, string> {
  return {
    PATH: `${join(stubs, 'bin')}:${process.env.PATH}`,
    STUB_DIR: stubs,
    GITHUB_REPOSITORY: REPOSITORY
  }
}

function errors(stdout: string): string[] {
  return stdout.split('\n').filter(line => line.startsWith('::error'))
}

describe('promote.yml: the digest staging tested', () => {
  const IMAGE = 'ghcr.io/acme/churn-model'
  const TESTED = `sha256:${'d'.repeat(64)}`
  const OLDER = `sha256:${'e'.repeat(64)}`
  let repo: GitRepo
  let releaseHead: string
  let tree: string

  beforeEach(() => {
    // GitFlow: a release branch is tested in staging, then merged into main with --no-ff; the
    // merge commit is new, its tree is the release branch's.
    repo = GitRepo.create('main')
    repo.commit('initial')
    repo.git('checkout', '-q', '-b', 'release/1.2.0')
    releaseHead = repo.commit('release work')
    repo.git('checkout', '-q', 'main')
    repo.git('merge', '-q', '--no-ff', '-m', 'Merge release/1.2.0', 'release/1.2.0')
    tree = repo.git('rev-parse', 'HEAD^{tree}')
    expect(repo.git('rev-parse', 'HEAD')).not.toBe(releaseHead)
  })

  afterEach(() => rmSync(repo.dir, { recursive: true, force: true }))

  const findTested = () =>
    runWorkflowStep(
      PROMOTE,
      'promote-image',
      'tested',
      { ...stubEnv(), GH_TOKEN: 'ghs_x', IMAGE, RELEASE: 'model', TREE: tree },
      repo.dir
    )

  const audit = (fields: Record<string, unknown>) =>
    JSON.stringify({
      schema: 'mlops-actions/audit/v1',
      release: 'model',
      image: IMAGE,
      version: '1.2.0-beta.1',
      ...fields
    })

  test('finds the newest successful staging deployment of the tree and its digest', () => {
    answer('GET', `repos/${REPOSITORY}/deployments`, [
      { id: 3, sha: repo.git('rev-parse', 'HEAD~1'), payload: audit({ digest: OLDER }) },
      { id: 2, sha: releaseHead, payload: audit({ digest: TESTED }) },
      {
        id: 1,
        sha: releaseHead,
        payload: JSON.parse(audit({ digest: OLDER, version: '1.2.0-beta.0' }))
      }
    ])
    // GitHub marks a superseded deployment inactive: it still passed.
    answer('GET', `repos/${REPOSITORY}/deployments/2/statuses`, [
      { state: 'inactive' },
      { state: 'success' },
      { state: 'in_progress' }
    ])
    const step = findTested()
    expect(step.stderr).toBe('')
    expect(step.exitCode).toBe(0)
    expect(step.outputs).toEqual({ digest: TESTED, version: '1.2.0-beta.1' })
    expect(calls('gh')).toEqual([
      `api --paginate repos/${REPOSITORY}/deployments?environment=staging&per_page=100 --jq .[] | {id, sha, payload} | tojson`,
      `api repos/${REPOSITORY}/deployments/2/statuses?per_page=100 --jq .[].state`
    ])
  })

  test('skips a deployment of the tree that failed or was rolled back', () => {
    answer('GET', `repos/${REPOSITORY}/deployments`, [
      { id: 2, sha: releaseHead, payload: audit({ digest: TESTED }) },
      { id: 1, sha: releaseHead, payload: audit({ digest: OLDER }) }
    ])
    answer('GET', `repos/${REPOSITORY}/deployments/2/statuses`, [
      { state: 'failure' },
      { state: 'success' }
    ])
    answer('GET', `repos/${REPOSITORY}/deployments/1/statuses`, [{ state: 'success' }])
    expect(findTested().outputs.digest).toBe(OLDER)
  })

  test('takes the tree from the audit record when the commit is not in the history', () => {
    answer('GET', `repos/${REPOSITORY}/deployments`, [
      { id: 5, sha: 'f'.repeat(40), payload: audit({ digest: TESTED, tree }) }
    ])
    answer('GET', `repos/${REPOSITORY}/deployments/5/statuses`, [{ state: 'success' }])
    expect(findTested().outputs.digest).toBe(TESTED)
  })

  test('ignores deployments of another image or another release', () => {
    answer('GET', `repos/${REPOSITORY}/deployments`, [
      { id: 5, sha: releaseHead, payload: audit({ digest: TESTED, image: 'ghcr.io/acme/other' }) },
      { id: 4, sha: releaseHead, payload: audit({ digest: TESTED, release: 'other-model' }) }
    ])
    answer('GET', `repos/${REPOSITORY}/deployments/5/statuses`, [{ state: 'success' }])
    answer('GET', `repos/${REPOSITORY}/deployments/4/statuses`, [{ state: 'success' }])
    const step = findTested()
    expect(step.exitCode).toBe(1)
    expect(calls('gh')).toHaveLength(1)
  })

  test('stops main when staging never tested the tree', () => {
    answer('GET', `repos/${REPOSITORY}/deployments`, [
      { id: 3, sha: repo.git('rev-parse', 'HEAD~1'), payload: audit({ digest: OLDER }) }
    ])
    const step = findTested()
    expect(step.exitCode).toBe(1)
    expect(errors(step.stdout)).toEqual([
      `::error title=Not tested in staging::No successful staging deployment has tree ${tree.slice(0, 12)}. main promotes only what staging tested: deploy the release or hotfix branch to staging first, then merge it into main unchanged.`
    ])
  })

  test('stops when the staging record names no digest', () => {
    answer('GET', `repos/${REPOSITORY}/deployments`, [
      { id: 2, sha: releaseHead, payload: audit({ digest: null }) }
    ])
    answer('GET', `repos/${REPOSITORY}/deployments/2/statuses`, [{ state: 'success' }])
    const step = findTested()
    expect(step.exitCode).toBe(1)
    expect(errors(step.stdout)[0]).toContain('records no image digest')
  })

  test('an API failure fails the step as what it is, not as "never tested"', () => {
    const step = findTested()
    expect(step.exitCode).not.toBe(0)
    expect(step.stderr).toContain('Not Found')
    expect(errors(step.stdout)).toEqual([])
  })

  test('a promoted digest other than the tested one stops the promotion', () => {
    const step = runWorkflowStep(PROMOTE, 'promote-image', 'same-digest', {
      TESTED,
      PROMOTED: OLDER,
      VERSION: '1.2.0'
    })
    expect(step.exitCode).toBe(1)
    expect(errors(step.stdout)).toEqual([
      `::error title=Digest differs::The promoted image is ${OLDER}, staging tested ${TESTED}. Promotion stopped before prod.`
    ])
    const same = runWorkflowStep(PROMOTE, 'promote-image', 'same-digest', {
      TESTED,
      PROMOTED: TESTED,
      VERSION: '1.2.0'
    })
    expect(same.exitCode).toBe(0)
    expect(same.summary).toContain(`Prod gets \`${TESTED}\`, the digest staging tested.`)
  })
})

describe('pr-checks.yml: the one comment', () => {
  const report = {
    passed: false,
    headline: '1 metric regressed against the baseline',
    tests: {
      total: 12,
      failed: 1,
      failing: [
        {
          classname: 'tests.test_model',
          name: 'test_floor',
          status: 'failed',
          message: 'accuracy 0.86 | below\n0.9'
        }
      ]
    },
    metrics: [
      {
        metric: 'accuracy',
        value: 0.944,
        baseline: 0.986,
        delta: -0.042,
        bound: '≥ 0.9; regression ≤ 0.01 (higher is better)',
        verdict: 'fail'
      },
      {
        metric: 'latency_p95_ms',
        value: null,
        baseline: null,
        delta: null,
        bound: '≤ 50',
        verdict: 'no-data'
      },
      { metric: 'roc_auc', value: 0.99, baseline: null, delta: null, bound: '', verdict: 'info' }
    ]
  }
  const env = {
    VERSION: '1.3.0-PullRequest7.2',
    SHIPS_AS: '1.3.0-alpha.5',
    ENVIRONMENT: 'dev',
    BASE_REF: 'develop',
    TESTS_RESULT: 'failure',
    PASSED: 'false',
    TESTS: '12',
    FAILURES: '1',
    REPORT: JSON.stringify(report),
    IMAGE_RESULT: 'success',
    DIGEST: `sha256:${'b'.repeat(64)}`,
    CHART_RESULT: 'success',
    LINT: 'passed',
    RESOURCES: '1 Deployment, 1 Service',
    RUN_URL: 'https://github.com/acme/churn-model/actions/runs/1001'
  }

  test('reports every check, the metrics against the baseline and the failing tests', () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), 'wf-temp-'))
    try {
      const step = runWorkflowStep(PR_CHECKS, 'comment', 'body', {
        ...env,
        RUNNER_TEMP: runnerTemp
      })
      expect(step.stderr).toBe('')
      const body = readFileSync(step.outputs.file as string, 'utf8')
      expect(body.split('\n')).toEqual([
        '<!-- mlops-actions:pr-checks -->',
        '## Model checks',
        '',
        '| check | result |',
        '| --- | --- |',
        '| version | `1.3.0-PullRequest7.2`; merging into `develop` ships `1.3.0-alpha.5` to dev |',
        '| model tests | ❌ 12 tests, 1 failures; metric gates failed |',
        `| image | ✅ \`sha256:${'b'.repeat(64)}\` (built, not pushed) |`,
        '| chart | ✅ lint passed; renders 1 Deployment, 1 Service |',
        '',
        '### Metrics',
        '',
        '1 metric regressed against the baseline',
        '',
        '| metric | value | baseline | delta | bound | verdict |',
        '| --- | --- | --- | --- | --- | --- |',
        '| accuracy | 0.944 | 0.986 | -0.042 | ≥ 0.9; regression ≤ 0.01 (higher is better) | ❌ fail |',
        '| latency_p95_ms | missing |  |  | ≤ 50 | ⚠️ no data |',
        '| roc_auc | 0.99 |  |  |  |  |',
        '',
        '### Failing tests',
        '',
        '- `tests.test_model.test_floor`: accuracy 0.86 | below 0.9',
        '',
        '[Details in the run](https://github.com/acme/churn-model/actions/runs/1001)',
        ''
      ])
      expect(step.summary).toBe(body)
    } finally {
      rmSync(runnerTemp, { recursive: true, force: true })
    }
  })

  test('updates the comment it wrote before, found by its marker', () => {
    const bodyFile = join(stubs, 'body.md')
    writeFileSync(bodyFile, '<!-- mlops-actions:pr-checks -->\nnew report')
    answer('GET', `repos/${REPOSITORY}/issues/7/comments`, [
      { id: 40, user: { login: 'mallory' }, body: '<!-- mlops-actions:pr-checks -->\nfake' },
      { id: 41, user: { login: 'octocat' }, body: 'LGTM' },
      {
        id: 42,
        user: { login: 'github-actions[bot]' },
        body: '<!-- mlops-actions:pr-checks -->\nold report'
      }
    ])
    answer('PATCH', `repos/${REPOSITORY}/issues/comments/42`, {})
    const step = runWorkflowStep(PR_CHECKS, 'comment', 'upsert', {
      ...stubEnv(),
      GH_TOKEN: 'ghs_x',
      NUMBER: '7',
      BODY_FILE: bodyFile
    })
    expect(step.exitCode).toBe(0)
    expect(calls('gh')[1]).toBe(
      `api --method PATCH repos/${REPOSITORY}/issues/comments/42 -F body=@${bodyFile}`
    )
    expect(readFileSync(join(stubs, 'last-body'), 'utf8')).toContain('new report')
  })

  test('creates the comment the first time, whoever else posted the marker', () => {
    const bodyFile = join(stubs, 'body.md')
    writeFileSync(bodyFile, '<!-- mlops-actions:pr-checks -->\nreport')
    // Someone else posting the marker first does not stop the report or get it written for them.
    answer('GET', `repos/${REPOSITORY}/issues/7/comments`, [
      { id: 41, user: { login: 'octocat' }, body: 'LGTM' },
      { id: 43, user: { login: 'mallory' }, body: '<!-- mlops-actions:pr-checks -->\nfake' }
    ])
    answer('POST', `repos/${REPOSITORY}/issues/7/comments`, {})
    const step = runWorkflowStep(PR_CHECKS, 'comment', 'upsert', {
      ...stubEnv(),
      GH_TOKEN: 'ghs_x',
      NUMBER: '7',
      BODY_FILE: bodyFile
    })
    expect(step.stdout).toContain('Created the comment.')
    expect(calls('gh')[1]).toBe(
      `api --method POST repos/${REPOSITORY}/issues/7/comments -F body=@${bodyFile}`
    )
  })
})

describe('pr-checks.yml: helm lint and template, with the real Helm', () => {
  const chart = 'examples/model-repo/chart'
  let runnerTemp: string
  const helmPath = () => `${join(repoRoot, '.tools', 'helm3')}:${process.env.PATH}`

  beforeEach(() => {
    runnerTemp = mkdtempSync(join(tmpdir(), 'wf-temp-'))
  })
  afterEach(() => rmSync(runnerTemp, { recursive: true, force: true }))

  test('lints and renders the example chart', () => {
    const values = runWorkflowStep(PR_CHECKS, 'chart', 'values', {
      VALUES_FILES: `\n  ${chart}/values.yaml  \n`,
      RUNNER_TEMP: runnerTemp
    })
    expect(values.exitCode).toBe(0)
    const lint = runWorkflowStep(PR_CHECKS, 'chart', 'lint', {
      CHART: chart,
      RUNNER_TEMP: runnerTemp,
      PATH: helmPath()
    })
    expect(lint.stderr).not.toContain('Error')
    expect(lint.outputs).toEqual({ result: 'passed' })
    const template = runWorkflowStep(PR_CHECKS, 'chart', 'template', {
      CHART: chart,
      RELEASE: 'model',
      NAMESPACE: 'default',
      IMAGE: 'ghcr.io/acme/churn-model',
      RUNNER_TEMP: runnerTemp,
      PATH: helmPath()
    })
    expect(template.exitCode).toBe(0)
    expect(template.outputs.resources).toBe('1 Deployment, 1 Service')
    expect(template.summary).toContain('image: "ghcr.io/acme/churn-model:0.1.0"')
  })

  test('with no values files (the default) Helm gets no stray empty argument', () => {
    const values = runWorkflowStep(PR_CHECKS, 'chart', 'values', {
      VALUES_FILES: '',
      RUNNER_TEMP: runnerTemp
    })
    expect(values.exitCode).toBe(0)
    const lint = runWorkflowStep(PR_CHECKS, 'chart', 'lint', {
      CHART: chart,
      RUNNER_TEMP: runnerTemp,
      PATH: helmPath()
    })
    expect(lint.exitCode).toBe(0)
    expect(lint.outputs).toEqual({ result: 'passed' })
    const template = runWorkflowStep(PR_CHECKS, 'chart', 'template', {
      CHART: chart,
      RELEASE: 'model',
      NAMESPACE: 'default',
      IMAGE: '',
      RUNNER_TEMP: runnerTemp,
      PATH: helmPath()
    })
    expect(template.exitCode).toBe(0)
    expect(template.outputs.resources).toBe('1 Deployment, 1 Service')
  })

  test('a values file that does not exist is named', () => {
    const values = runWorkflowStep(PR_CHECKS, 'chart', 'values', {
      VALUES_FILES: 'chart/values-missing.yaml',
      RUNNER_TEMP: runnerTemp
    })
    expect(values.exitCode).toBe(1)
    expect(errors(values.stdout)).toEqual([
      '::error title=values-files::chart/values-missing.yaml does not exist'
    ])
  })
})

describe('release.yml: the major tag', () => {
  let repo: GitRepo
  beforeEach(() => {
    repo = GitRepo.create('main')
    for (const version of ['v1.2.0', 'v1.3.0', 'v1.2.1']) {
      repo.commit(version)
      repo.git('tag', '-a', version, '-m', version)
    }
  })
  afterEach(() => rmSync(repo.dir, { recursive: true, force: true }))

  const plan = (tag: string, prerelease = 'false') =>
    runWorkflowStep(RELEASE, 'major-tag', 'plan', { TAG: tag, PRERELEASE: prerelease }, repo.dir)

  test('moves to the newest release of its major', () => {
    repo.commit('v1.3.1')
    repo.git('tag', '-a', 'v1.3.1', '-m', 'v1.3.1')
    expect(plan('v1.3.1').outputs).toEqual({
      move: 'true',
      major: 'v1',
      commit: repo.git('rev-parse', 'v1.3.1^{commit}')
    })
  })

  test('stays for a patch of an older minor, a pre-release, or another tag', () => {
    expect(plan('v1.2.1').outputs).toEqual({ move: 'false' })
    expect(plan('v1.2.1').stdout).toContain('v1.3.0 is newer than v1.2.1: v1 stays on v1.3.0.')
    expect(plan('v1.3.0', 'true').outputs).toEqual({ move: 'false' })
    expect(plan('v1.4.0-rc.1').outputs).toEqual({ move: 'false' })
  })

  test('an unknown tag is an error', () => {
    const step = plan('v1.9.0')
    expect(step.exitCode).toBe(1)
    expect(errors(step.stdout)).toEqual([
      '::error title=Unknown tag::v1.9.0 is not a tag of this repository.'
    ])
  })

  test('moves an existing major tag through the API, or creates it', () => {
    const move = (env: Record<string, string>) =>
      runWorkflowStep(RELEASE, 'major-tag', 'move', {
        ...stubEnv(),
        GH_TOKEN: 'ghs_x',
        TAG: 'v1.3.1',
        MAJOR: 'v1',
        COMMIT: 'c'.repeat(40),
        ...env
      })
    answer('PATCH', `repos/${REPOSITORY}/git/refs/tags/v1`, {})
    answer('POST', `repos/${REPOSITORY}/git/refs`, {})
    answer('GET', `repos/${REPOSITORY}/git/ref/tags/v1`, { object: { sha: 'a'.repeat(40) } })
    expect(move({}).summary).toContain(
      `| \`v1\` | \`${'a'.repeat(40)}\` | \`${'c'.repeat(40)}\` (v1.3.1) |`
    )
    expect(calls('gh')[1]).toBe(
      `api --method PATCH repos/${REPOSITORY}/git/refs/tags/v1 -f sha=${'c'.repeat(40)} -F force=true`
    )
    rmSync(join(stubs, `GET_repos_${REPOSITORY.replace('/', '_')}_git_ref_tags_v1.json`))
    move({})
    expect(calls('gh')[3]).toBe(
      `api --method POST repos/${REPOSITORY}/git/refs -f ref=refs/tags/v1 -f sha=${'c'.repeat(40)}`
    )
  })
})

describe('rollback.yml: the audit record', () => {
  test('is kept as a JSON Lines file for the artifact and shown in the summary', () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), 'wf-temp-'))
    try {
      const record = {
        schema: 'mlops-actions/audit/v1',
        action: 'rollback',
        environment: 'prod',
        reason: 'errors'
      }
      const step = runWorkflowStep(ROLLBACK, 'rollback', 'record', {
        AUDIT: JSON.stringify(record, null, 2),
        RUN_ID: '1001',
        RUN_ATTEMPT: '2',
        RUNNER_TEMP: runnerTemp
      })
      expect(step.exitCode).toBe(0)
      expect(step.outputs.file).toBe(join(runnerTemp, 'mlops-audit', 'rollback-1001-2.jsonl'))
      expect(readFileSync(step.outputs.file as string, 'utf8')).toBe(`${JSON.stringify(record)}\n`)
      expect(step.summary).toContain('### Audit record')
      expect(step.summary).toContain('"reason": "errors"')
    } finally {
      rmSync(runnerTemp, { recursive: true, force: true })
    }
  })
})
