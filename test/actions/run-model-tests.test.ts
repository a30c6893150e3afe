/**
 * run-model-tests as the runner runs it: the bundled dist/run-model-tests/index.js running the
 * real pytest suite of examples/model-repo (Debian's /usr/bin/python3, with scikit-learn) on
 * models trained for each case, with the GitHub API simulated for comments and baselines.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runActionBundle, type ActionRun } from '../harness/run-action.js'
import {
  MODEL_REPO,
  PYTHON,
  assertPythonReady,
  trainModel,
  type Metrics
} from '../examples/model-repo.js'
import { startGitHubSimulator, type GitHubSimulator } from '../github-sim/index.js'
import { deploy, publishRelease } from '../lib/model-tests/github-fixtures.js'

const MARKER = '<!-- mlops-actions:run-model-tests -->'
const THRESHOLDS = `accuracy:
  min: 0.9
  better: higher
  max-regression: 0.01
f1_macro:
  min: 0.9
  max-regression: "2%"
latency_p95_ms:
  max: 50
  better: lower
`
const models: Record<'good' | 'regressed' | 'broken', { dir: string; metrics: Metrics }> =
  {} as never

beforeAll(async () => {
  await assertPythonReady()
  const root = mkdtempSync(join(tmpdir(), 'rmt-models-'))
  // good: the model as it ships; regressed: worse than the baseline but above the test floors;
  // broken: below the floors, so pytest fails too (examples/model-repo/README.md).
  for (const [name, degrade] of [
    ['good', undefined],
    ['regressed', 0.1],
    ['broken', 0.25]
  ] as const) {
    const dir = join(root, name)
    const metrics = await trainModel(dir, degrade === undefined ? {} : { degrade })
    models[name] = { dir, metrics }
  }
}, 120_000)

interface Workspace {
  dir: string
  /** The model repository inside the workspace: the action's working-directory. */
  repo: string
}

/** A workspace holding the model repository in `model/`, its trained artefacts in `model/out`. */
function workspace(model: keyof typeof models): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'rmt-ws-'))
  const repo = join(dir, 'model')
  cpSync(MODEL_REPO, repo, {
    recursive: true,
    filter: source => !/__pycache__|\.pytest_cache|[/\\]chart$/.test(source)
  })
  cpSync(models[model].dir, join(repo, 'out'), { recursive: true })
  // The baseline: the metrics of the good model, as the release in production recorded them.
  writeFileSync(join(repo, 'baseline.json'), JSON.stringify(models.good.metrics))
  return { dir, repo }
}

function run(
  ws: Workspace,
  inputs: Record<string, string> = {},
  extra: Parameters<typeof runActionBundle>[1] = {}
) {
  return runActionBundle('run-model-tests', {
    workspace: ws.dir,
    ...extra,
    inputs: {
      command: `${PYTHON} -m pytest --artifacts=out`,
      'working-directory': 'model',
      'metrics-file': 'out/metrics.json',
      thresholds: THRESHOLDS,
      'baseline-file': 'baseline.json',
      ...inputs
    },
    env: { PYTHONDONTWRITEBYTECODE: '1', ...extra.env }
  })
}

function report(result: ActionRun) {
  return JSON.parse(result.outputs.report ?? 'null') as {
    passed: boolean
    headline: string
    metrics: { metric: string; verdict: string; reasons: string[] }[]
    tests: { failing: { name: string }[] }
  }
}

const verdicts = (result: ActionRun) =>
  Object.fromEntries(report(result).metrics.map(m => [m.metric, m.verdict]))

describe('run-model-tests (bundled, real pytest on the example model)', () => {
  test('a good model passes: every output, the summary, no annotation', async () => {
    const ws = workspace('good')
    const result = await run(ws)
    expect(result.errors).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.outputs.passed).toBe('true')
    expect(result.outputs.tests).toBe('19')
    expect(result.outputs.failures).toBe('0')
    expect(JSON.parse(result.outputs.metrics ?? '')).toEqual(models.good.metrics)
    expect(JSON.parse(result.outputs.regressions ?? '')).toEqual([])
    expect(report(result).headline).toBe(
      '✅ Model tests passed: 19 tests passed; 3 metrics within thresholds'
    )
    expect(verdicts(result)).toMatchObject({
      accuracy: 'pass',
      f1_macro: 'pass',
      latency_p95_ms: 'pass',
      roc_auc: 'info'
    })
    expect(result.summary).toContain(
      '## ✅ Model tests passed: 19 tests passed; 3 metrics within thresholds'
    )
    expect(result.summary).toContain('| 19 | 19 | 0 | 0 | 0 |')
    expect(result.summary).toContain(
      `| accuracy | ${models.good.metrics.accuracy} | ${models.good.metrics.accuracy} | ±0 (±0%) | ≥ 0.9, regression ≤ 0.01 (higher is better) | ✅ pass |`
    )
    expect(result.summary).toContain('Baseline: file baseline.json.')
    // pytest was asked for its report at the default junit-path, in the working directory.
    expect(existsSync(join(ws.repo, 'junit.xml'))).toBe(true)
    // The command's output is in the log, with workflow commands off while it runs.
    expect(result.stdout).toMatch(
      /::stop-commands::([0-9a-f]{32})\n[\s\S]*19 passed[\s\S]*\n::\1::\n/
    )
  })

  test('a regression against the baseline fails, with the regressions output, though every test passed', async () => {
    const result = await run(workspace('regressed'))
    expect(result.exitCode).toBe(1)
    expect(result.outputs.passed).toBe('false')
    expect(result.outputs.failures).toBe('0')
    const regressions = JSON.parse(result.outputs.regressions ?? '') as {
      metric: string
      baseline: number
      value: number
    }[]
    expect(regressions.map(r => r.metric)).toEqual(['accuracy', 'f1_macro'])
    expect(regressions[0]).toMatchObject({
      baseline: models.good.metrics.accuracy,
      value: models.regressed.metrics.accuracy,
      allowed: 0.01,
      maxRegression: '0.01',
      better: 'higher'
    })
    expect(verdicts(result)).toMatchObject({
      accuracy: 'fail',
      f1_macro: 'fail',
      latency_p95_ms: 'pass'
    })
    expect(report(result).headline).toBe(
      '❌ Model tests failed: 19 tests passed; 2 metrics failed (accuracy, f1_macro)'
    )
    expect(result.summary).toMatch(
      /\| accuracy \| 0\.944056 \| 0\.986014 \| −0\.041958 \(−4\.25531%\) \| .* \| ❌ fail: fell by 0\.041958 from the baseline 0\.986014; at most 0\.01 allowed \(0\.01\) \|/
    )
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toMatch(
      /^Model tests failed: metric accuracy: fell by 0\.041958 .*; metric f1_macro: fell by/
    )
  })

  test('failing tests are annotated at their file and line, and the metrics are still judged', async () => {
    const result = await run(workspace('broken'), {
      command: `${PYTHON} -m pytest --artifacts=out --junitxml=out/junit.xml -q`
    })
    expect(result.exitCode).toBe(1)
    expect(result.outputs).toMatchObject({ passed: 'false', tests: '19', failures: '2' })
    const annotations = result.commands.filter(c => c.command === 'error' && c.properties.file)
    expect(
      annotations.map(a => [a.properties.title, a.properties.file, a.properties.line])
    ).toEqual([
      ['Test failed: test_accuracy_meets_the_floor', 'model/tests/test_model.py', '34'],
      ['Test failed: test_f1_macro_meets_the_floor', 'model/tests/test_model.py', '38']
    ])
    // The line JUnit gives is the test's `def` line (pytest counts from 0).
    const source = readFileSync(join(MODEL_REPO, 'tests', 'test_model.py'), 'utf8').split('\n')
    expect(source[33]).toBe('def test_accuracy_meets_the_floor(metrics):')
    expect(annotations[0]?.message).toContain('assert 0.867133 >= 0.9')
    expect(verdicts(result)).toMatchObject({
      accuracy: 'fail',
      f1_macro: 'fail',
      latency_p95_ms: 'pass'
    })
    expect(result.summary).toContain(
      '❌ Model tests failed: 2 of 19 tests failed; 2 metrics failed (accuracy, f1_macro)'
    )
    expect(result.summary).toContain(
      '| ❌ tests.test_model.test_accuracy_meets_the_floor | tests/test_model.py:34 | assert 0.867133 &gt;= 0.9 |'
    )
    expect(result.summary).toContain('❌ fail: 0.867133 is below the minimum 0.9; fell by')
    const failed = result.errors.at(-1) ?? ''
    expect(failed).toMatch(
      /^Model tests failed: 2 of 19 tests failed \(test_accuracy_meets_the_floor, test_f1_macro_meets_the_floor\); metric accuracy: /
    )
  })

  test('a missing metric fails by default, and passes with a warning under on-no-data: warn', async () => {
    const thresholds = `${THRESHOLDS}precision_at_10:\n  min: 0.5\n`
    const failing = await run(workspace('good'), { thresholds })
    expect(failing.exitCode).toBe(1)
    expect(failing.outputs.passed).toBe('false')
    expect(verdicts(failing)).toMatchObject({ precision_at_10: 'no-data', accuracy: 'pass' })
    expect(failing.summary).toContain(
      '| precision_at_10 | missing |  |  | ≥ 0.5 | ❌ no data: missing from the metrics file (on-no-data: fail) |'
    )
    expect(failing.errors).toEqual([
      'Model tests failed: metric precision_at_10: missing from the metrics file (on-no-data: fail).'
    ])

    const warned = await run(workspace('good'), { thresholds, 'on-no-data': 'warn' })
    expect(warned.exitCode).toBe(0)
    expect(warned.outputs.passed).toBe('true')
    expect(warned.warnings).toEqual([
      'Metric precision_at_10: missing from the metrics file (on-no-data: warn)'
    ])
    expect(warned.summary).toContain('⚠️ no data')
  })

  test('without thresholds only the tests are judged; the metrics at the default path are reported', async () => {
    const ws = workspace('good')
    cpSync(join(ws.repo, 'out', 'metrics.json'), join(ws.repo, 'metrics.json'))
    const result = await run(ws, { thresholds: '', 'metrics-file': '', 'baseline-file': '' })
    expect(result.exitCode).toBe(0)
    expect(result.warnings).toEqual([])
    expect(JSON.parse(result.outputs.metrics ?? '')).toEqual(models.good.metrics)
    expect(report(result).headline).toBe(
      '✅ Model tests passed: 19 tests passed; no metric thresholds'
    )
    expect(result.summary).toContain(
      `| roc_auc | ${models.good.metrics.roc_auc} |  |  |  | no threshold |`
    )
  })

  test('with on-no-data: pass a missing metric passes silently; a metrics file never written is no data', async () => {
    const thresholds = `${THRESHOLDS}precision_at_10:\n  min: 0.5\n`
    const silent = await run(workspace('good'), { thresholds, 'on-no-data': 'pass' })
    expect(silent.exitCode).toBe(0)
    expect(silent.warnings).toEqual([])

    const unwritten = await run(workspace('good'), { 'metrics-file': 'out/nowhere.json' })
    expect(unwritten.exitCode).toBe(1)
    expect(unwritten.warnings).toEqual([
      'The metrics file out/nowhere.json does not exist after the test command ran.'
    ])
    expect(verdicts(unwritten)).toEqual({
      accuracy: 'no-data',
      f1_macro: 'no-data',
      latency_p95_ms: 'no-data'
    })
    expect(unwritten.summary).toContain(
      'The metrics file out/nowhere.json was not written: every metric has no data.'
    )
  })

  test('a test command that ran no test, or ran too long, does not pass', async () => {
    const none = await run(workspace('good'), {
      command: `${PYTHON} -m pytest --artifacts=out -k no_test_has_this_name`
    })
    expect(none.exitCode).toBe(1)
    expect(none.outputs).toMatchObject({ passed: 'false', tests: '0', failures: '0' })
    expect(report(none).headline).toBe(
      '❌ Model tests failed: the test command exited with code 5; 3 metrics within thresholds'
    )
    expect(none.errors).toEqual(['Model tests failed: the test command exited with code 5.'])

    const slow = await run(workspace('good'), {
      command: `${PYTHON} -c 'import time; time.sleep(60)'`,
      timeout: '1s'
    })
    expect(slow.errors).toEqual([
      'The test command did not finish within the timeout (1 s) and was stopped.'
    ])
  })

  test('an absolute bound violation fails with no baseline at all', async () => {
    const result = await run(workspace('good'), {
      thresholds: 'accuracy: {min: 0.99}\nlatency_p95_ms: {max: 0.000001}',
      'baseline-file': ''
    })
    expect(result.exitCode).toBe(1)
    expect(result.outputs).toMatchObject({ passed: 'false', failures: '0', regressions: '[]' })
    expect(verdicts(result)).toMatchObject({ accuracy: 'fail', latency_p95_ms: 'fail' })
    expect(result.summary).toContain(
      `❌ fail: ${models.good.metrics.accuracy} is below the minimum 0.99`
    )
    expect(result.summary).toContain('is above the maximum 0.000001')
    expect(result.summary).toContain(
      'No baseline (no baseline source given): regressions were not judged.'
    )
  })

  test.each([
    [
      { thresholds: 'accuracy: [min: 0.9' },
      'The thresholds in input "thresholds" are not valid:\n- not valid YAML'
    ],
    [
      { thresholds: 'accuracy:\n  min: 0.9\n  max-regression: two percent' },
      '- thresholds.accuracy.max-regression: "two percent" is not a number or a percentage like "2%"'
    ],
    [{ 'on-no-data': 'ignore' }, 'Input "on-no-data" is "ignore"; accepted: fail, warn, pass.'],
    [{ command: `${PYTHON} -m pytest -k 'unclosed` }, 'Input "command" is'],
    [
      { command: `${PYTHON} -m pytest > log.txt` },
      'is shell syntax, but this command runs without a shell'
    ],
    [
      { timeout: 'forever' },
      'Input "timeout" is "forever"; accepted: a duration such as 500ms, 30s, 5m or 1h.'
    ],
    [
      { 'baseline-release': 'latest' },
      'Inputs "baseline-file" and "baseline-release" were given together'
    ],
    [{ comment: 'yes' }, 'Input "comment" is "yes"; accepted: true or false.']
  ])('bad input %j fails before any test runs', async (inputs, message) => {
    const ws = workspace('good')
    const result = await run(ws, inputs)
    expect(result.exitCode).toBe(1)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toContain(message)
    expect(result.outputs).toEqual({})
    expect(result.stdout).not.toContain('test session starts')
    expect(existsSync(join(ws.repo, 'junit.xml'))).toBe(false)
    expect(result.stdout).not.toMatch(/\s+at .*\.js:\d+/)
  })

  test('an unclosed quote in the command says where', async () => {
    const result = await run(workspace('good'), { command: `${PYTHON} -m pytest -k 'unclosed` })
    expect(result.errors[0]).toBe(
      `Input "command" is ${JSON.stringify(`${PYTHON} -m pytest -k 'unclosed`)}; accepted: a command line with balanced quotes, run without a shell: unclosed single quote (at character 31).`
    )
  })

  test('a thresholds file is read relative to the working directory and validated before the tests', async () => {
    const ws = workspace('good')
    writeFileSync(join(ws.repo, 'thresholds.yml'), 'accuracy:\n  mim: 0.9\n')
    const result = await run(ws, { thresholds: '', 'thresholds-file': 'thresholds.yml' })
    expect(result.errors).toEqual([
      'The thresholds in thresholds.yml (input "thresholds-file") are not valid:\n- thresholds.accuracy.mim: unknown key (did you mean min?)\nEach metric takes min, max (numbers), better (higher or lower) and max-regression (a number, or a percentage like "2%").'
    ])
    expect(existsSync(join(ws.repo, 'junit.xml'))).toBe(false)
  })

  test('a command that cannot start is a clear error', async () => {
    const result = await run(workspace('good'), { command: '/nonexistent/python -m pytest' })
    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      'Cannot run "/nonexistent/python": not found. Is it installed and on PATH?'
    ])
  })

  test('a missing or malformed JUnit report, and a metrics file that is not JSON, are errors naming the file', async () => {
    const missing = await run(workspace('good'), { command: `${PYTHON} -c 'print(1)'` })
    expect(missing.errors).toEqual([
      'The test command succeeded but wrote no JUnit report at junit.xml (relative to the working directory model). Make the command write it (pytest: --junitxml=junit.xml) or set junit-path to where it does.'
    ])

    const malformed = await run(workspace('good'), {
      command: `${PYTHON} -c "open('out/report.xml', 'w').write('<testsuites><testcase name=x>')"`,
      'junit-path': 'out/report.xml'
    })
    expect(malformed.errors).toHaveLength(1)
    expect(malformed.errors[0]).toMatch(
      /^The JUnit report out\/report\.xml is not well-formed XML: .*\(line 1, column \d+\)\.$/
    )

    const ws = workspace('good')
    writeFileSync(join(ws.repo, 'out', 'metrics.json'), 'accuracy=0.98\n')
    const notJson = await run(ws)
    expect(notJson.errors).toHaveLength(1)
    expect(notJson.errors[0]).toMatch(/^The metrics file out\/metrics\.json is not valid JSON: /)
  })
})

describe('run-model-tests with GitHub (API simulator)', () => {
  let sim: GitHubSimulator
  beforeEach(async () => {
    sim = await startGitHubSimulator({ acceptAnySha: true })
  })
  afterEach(async () => {
    sim.assertNoViolations()
    await sim.stop()
  })

  const pullRequest = () => ({
    eventName: 'pull_request',
    event: { number: 42, pull_request: { number: 42 } },
    env: { ...sim.env, GITHUB_REF: 'refs/pull/42/merge', GITHUB_HEAD_REF: 'feature/better-model' }
  })

  test("two runs on a pull request leave one comment, with the second run's report", async () => {
    const first = await run(workspace('broken'), {}, pullRequest())
    expect(first.exitCode).toBe(1)
    let comments = sim.state.comments('acme/model-repo', 42)
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body).toContain('❌ Model tests failed: 2 of 19 tests failed')

    const second = await run(workspace('good'), {}, pullRequest())
    expect(second.exitCode).toBe(0)
    comments = sim.state.comments('acme/model-repo', 42)
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body.startsWith(MARKER)).toBe(true)
    expect(comments[0]?.body).toContain(
      '✅ Model tests passed: 19 tests passed; 3 metrics within thresholds'
    )
    expect(comments[0]?.body).not.toContain('❌')
    expect(comments[0]?.body).toContain('| metric | value | baseline | delta | bound | verdict |')
    expect(second.stdout).toContain('Pull request comment updated')
  })

  test('comment: false leaves the pull request alone; a push never comments', async () => {
    await run(workspace('good'), { comment: 'false' }, pullRequest())
    await run(workspace('good'), {}, { env: sim.env })
    expect(sim.state.comments('acme/model-repo')).toEqual([])
  })

  test('a comment GitHub refuses is a warning, not a failure: the verdict does not depend on it', async () => {
    const strict = await startGitHubSimulator({ tokens: ['ghs_someoneElse'] })
    try {
      const result = await run(
        workspace('good'),
        {},
        { ...pullRequest(), env: { ...pullRequest().env, ...strict.env } }
      )
      expect(result.exitCode).toBe(0)
      expect(result.outputs.passed).toBe('true')
      expect(
        result.warnings.filter(w =>
          w.startsWith('Could not comment on pull request #42: Bad credentials')
        )
      ).toHaveLength(1)
      expect(strict.state.comments('acme/model-repo')).toEqual([])
    } finally {
      await strict.stop()
    }
  })

  test('the baseline of the release deployed to prod catches a regression', async () => {
    await publishRelease(sim, 'v1.0.0', { 'metrics.json': JSON.stringify(models.good.metrics) })
    await publishRelease(sim, 'v1.1.0', {
      'metrics.json': JSON.stringify(models.regressed.metrics)
    })
    const live = await deploy(sim, 'prod', 'v1.0.0', 'success')
    const result = await run(
      workspace('regressed'),
      { 'baseline-file': '', 'baseline-environment': 'prod' },
      { env: sim.env }
    )
    expect(result.exitCode).toBe(1)
    expect(
      JSON.parse(result.outputs.regressions ?? '').map((r: { metric: string }) => r.metric)
    ).toEqual(['accuracy', 'f1_macro'])
    expect(result.summary).toContain(
      `Baseline: release v1.0.0 (asset metrics.json), deployed to prod by deployment ${live}.`
    )

    // Against the latest release (the regressed one itself) nothing regressed.
    const latest = await run(
      workspace('regressed'),
      { 'baseline-file': '', 'baseline-release': 'latest' },
      { env: sim.env }
    )
    expect(latest.exitCode).toBe(0)
    expect(latest.summary).toContain('Baseline: release v1.1.0 (asset metrics.json).')
  })

  test('nothing deployed yet: a warning, and only the absolute bounds are judged', async () => {
    const result = await run(
      workspace('good'),
      { 'baseline-file': '', 'baseline-environment': 'prod' },
      { env: sim.env }
    )
    expect(result.exitCode).toBe(0)
    expect(result.warnings).toContain(
      'No baseline: nothing has been deployed to prod successfully yet; regressions are not judged.'
    )
    expect(result.summary).toContain(
      'No baseline (nothing has been deployed to prod successfully yet): regressions were not judged.'
    )
  })
})
