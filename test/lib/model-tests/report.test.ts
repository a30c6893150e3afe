import { judgeMetrics } from '../../../src/lib/model-tests/judge.js'
import { parseJUnit } from '../../../src/lib/model-tests/junit.js'
import { parseMetrics } from '../../../src/lib/model-tests/metrics.js'
import {
  buildReport,
  renderMarkdown,
  testAnnotations
} from '../../../src/lib/model-tests/report.js'
import { parseThresholdsYaml } from '../../../src/lib/model-tests/thresholds.js'

const JUNIT = `<testsuites><testsuite name="s"><testcase classname="tests.test_model" name="test_ok" file="tests/test_model.py" line="9" time="0.1"/><testcase classname="tests.test_model" name="test_floor" file="tests/test_model.py" line="33" time="0.2"><failure message="assert 0.86 &gt;= 0.9">E  assert 0.86 &gt;= 0.9
tests/test_model.py:35: AssertionError</failure></testcase></testsuite></testsuites>`

async function example(junit = JUNIT, exitCode = 1) {
  const tests = await parseJUnit(junit, 'junit.xml')
  const judgement = judgeMetrics(
    parseMetrics('{"accuracy": 0.944, "latency_ms": 3, "f1": 0.93}', 'm.json'),
    await parseThresholdsYaml(
      'accuracy: {min: 0.9, better: higher, max-regression: 0.01}\nlatency_ms: {max: 5}\nauc: {min: 0.9}',
      'x'
    ),
    { onNoData: 'fail', baseline: parseMetrics('{"accuracy": 0.986, "f1": 0.95}', 'b.json') }
  )
  const report = buildReport({
    command: ['python', '-m', 'pytest'],
    exitCode,
    tests,
    judgement,
    baseline: { source: 'release', description: 'release v1.1.0 (asset metrics.json)' }
  })
  return { tests, report }
}

describe('report', () => {
  test('the headline says what failed', async () => {
    const { report } = await example()
    expect(report.passed).toBe(false)
    expect(report.headline).toBe(
      '❌ Model tests failed: 1 of 2 tests failed; 2 metrics failed (accuracy, auc)'
    )
    expect(report.tests.failing).toEqual([
      {
        name: 'test_floor',
        classname: 'tests.test_model',
        status: 'failed',
        file: 'tests/test_model.py',
        line: 34,
        message: 'assert 0.86 >= 0.9'
      }
    ])
  })

  test('a passing run says so; a command that failed without a failing test does not pass', async () => {
    const passing = `<testsuite><testcase name="a"/></testsuite>`
    const tests = await parseJUnit(passing, 'j.xml')
    const judgement = judgeMetrics(new Map(), [], { onNoData: 'fail' })
    const ok = buildReport({ command: ['pytest'], exitCode: 0, tests, judgement })
    expect(ok.headline).toBe('✅ Model tests passed: 1 test passed; no metric thresholds')
    const crashed = buildReport({ command: ['pytest'], exitCode: 3, tests, judgement })
    expect(crashed.passed).toBe(false)
    expect(crashed.headline).toBe(
      '❌ Model tests failed: the test command exited with code 3; no metric thresholds'
    )
  })

  test('the Markdown has the tests table, the failing tests and the metrics table', async () => {
    const { report, tests } = await example()
    const markdown = renderMarkdown(report, {
      cases: tests.cases,
      runUrl: 'https://github.com/a/b/actions/runs/1'
    })
    expect(markdown).toContain('## ❌ Model tests failed')
    expect(markdown).toContain('| 2 | 1 | 1 | 0 | 0 | 0.3 s |')
    expect(markdown).toContain(
      '| ❌ tests.test_model.test_floor | tests/test_model.py:34 | assert 0.86 &gt;= 0.9 |'
    )
    expect(markdown).toContain('| metric | value | baseline | delta | bound | verdict |')
    expect(markdown).toContain(
      '| accuracy | 0.944 | 0.986 | −0.042 (−4.25963%) | ≥ 0.9, regression ≤ 0.01 (higher is better) | ❌ fail: fell by 0.042 from the baseline 0.986; at most 0.01 allowed (0.01) |'
    )
    expect(markdown).toContain('| latency_ms | 3 |  |  | ≤ 5 | ✅ pass |')
    expect(markdown).toContain(
      '| auc | missing |  |  | ≥ 0.9 | ❌ no data: missing from the metrics file (on-no-data: fail) |'
    )
    expect(markdown).toContain('| f1 | 0.93 | 0.95 | −0.02 (−2.10526%) |  | no threshold |')
    expect(markdown).toContain('Baseline: release v1.1.0 (asset metrics.json).')
    expect(markdown).toContain('<summary>All 2 tests</summary>')
    expect(markdown).toContain('[Workflow run](https://github.com/a/b/actions/runs/1)')
  })

  test('a long failure message is shortened in the table, whole in the annotation', async () => {
    const long = 'x'.repeat(400)
    const junit = `<testsuite><testcase name="t" file="t.py" line="0"><failure message="${long}">${long}</failure></testcase></testsuite>`
    const tests = await parseJUnit(junit, 'j.xml')
    const report = buildReport({
      command: ['pytest'],
      exitCode: 1,
      tests,
      judgement: judgeMetrics(new Map(), [], { onNoData: 'fail' })
    })
    expect(renderMarkdown(report)).toContain(`| ❌ t | t.py:1 | ${'x'.repeat(299)}… |`)
    expect(testAnnotations(tests, { workspace: '/w', workingDirectory: '.' })[0]?.message).toBe(
      long
    )
  })

  test("HTML in test names, messages and metric values cannot change the page's layout", async () => {
    const junit = `<testsuite><testcase name="test_key[&lt;lambda&gt;]"><failure message="&lt;/details&gt;"/></testcase></testsuite>`
    const tests = await parseJUnit(junit, 'j.xml')
    const judgement = judgeMetrics(parseMetrics('{"<b>x</b>": "<i>"}', 'm.json'), [], {
      onNoData: 'fail'
    })
    const markdown = renderMarkdown(
      buildReport({ command: ['pytest'], exitCode: 1, tests, judgement }),
      { cases: tests.cases }
    )
    expect(markdown).toContain('| ❌ test_key[&lt;lambda&gt;] |  | &lt;/details&gt; |')
    expect(markdown).toContain('| &lt;b&gt;x&lt;/b&gt; | "&lt;i&gt;" |')
    expect(markdown).not.toMatch(/<\/?(b|i|lambda)>/)
  })

  test('the list of all tests is cut to fit', async () => {
    const many = `<testsuite>${Array.from({ length: 5 }, (_, i) => `<testcase name="t${i}"/>`).join('')}</testsuite>`
    const tests = await parseJUnit(many, 'j.xml')
    const report = buildReport({
      command: ['pytest'],
      exitCode: 0,
      tests,
      judgement: judgeMetrics(new Map(), [], { onNoData: 'fail' })
    })
    const markdown = renderMarkdown(report, { cases: tests.cases, maxTestRows: 3 })
    expect(markdown).toContain('| ✅ passed | t2 |')
    expect(markdown).not.toContain('| ✅ passed | t3 |')
    expect(markdown).toContain('…and 2 more.')
  })

  test('annotations point at the file relative to the workspace, at the 1-based line', async () => {
    const { tests } = await example()
    expect(testAnnotations(tests, { workspace: '/w', workingDirectory: 'models/churn' })).toEqual([
      {
        title: 'Test failed: test_floor',
        message: 'E  assert 0.86 >= 0.9\ntests/test_model.py:35: AssertionError',
        file: 'models/churn/tests/test_model.py',
        startLine: 34
      }
    ])
    expect(testAnnotations(tests, { workspace: '/w', workingDirectory: '.' })[0]?.file).toBe(
      'tests/test_model.py'
    )
  })
})
