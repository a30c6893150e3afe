import { JUnitError, parseJUnit } from '../../../src/lib/model-tests/junit.js'

// As pytest 7 writes it with junit_family = xunit1 (line is 0-based).
const PYTEST_XUNIT1 = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="model-repo" errors="1" failures="1" skipped="1" tests="4" time="0.3"><testcase classname="tests.test_model" name="test_ok" file="tests/test_model.py" line="17" time="0.001" /><testcase classname="tests.test_model" name="test_floor" file="tests/test_model.py" line="33" time="0.002"><failure message="assert 0.86 &gt;= 0.9">metrics = {...}

&gt;       assert metrics["accuracy"] &gt;= MIN_ACCURACY
E       assert 0.86 &gt;= 0.9

tests/test_model.py:35: AssertionError</failure></testcase><testcase classname="tests.test_serve" name="test_server" file="tests/test_serve.py" line="51" time="0.5"><error message="failed on setup with &quot;RuntimeError: port&quot;">RuntimeError: port</error></testcase><testcase classname="tests.test_serve" name="test_gpu" file="tests/test_serve.py" line="70" time="0"><skipped type="pytest.skip" message="no GPU">tests/test_serve.py:71: no GPU</skipped></testcase></testsuite></testsuites>`

describe('parseJUnit', () => {
  test('reads pytest xunit1: statuses, messages, file and 1-based line', async () => {
    const run = await parseJUnit(PYTEST_XUNIT1, 'junit.xml')
    expect(run).toMatchObject({
      total: 4,
      passed: 1,
      failed: 1,
      errors: 1,
      skipped: 1,
      timeSeconds: 0.503
    })
    expect(run.cases[0]).toEqual({
      name: 'test_ok',
      classname: 'tests.test_model',
      file: 'tests/test_model.py',
      line: 18,
      timeSeconds: 0.001,
      status: 'passed'
    })
    expect(run.cases[1]).toMatchObject({
      status: 'failed',
      line: 34,
      message: 'assert 0.86 >= 0.9'
    })
    expect(run.cases[1]?.details).toContain('tests/test_model.py:35: AssertionError')
    expect(run.cases[2]).toMatchObject({
      status: 'error',
      message: 'failed on setup with "RuntimeError: port"'
    })
    expect(run.cases[3]).toMatchObject({ status: 'skipped', message: 'no GPU' })
  })

  test('reads a bare <testsuite> root, nested suites, and file given on the suite', async () => {
    const xml = `<testsuite name="all"><testsuite name="unit" file="spec/a.php"><testcase name="a" line="12"><failure>boom
second line</failure></testcase></testsuite><testcase name="b" classname="B"/></testsuite>`
    const run = await parseJUnit(xml, 'report.xml')
    expect(run.total).toBe(2)
    // Not a Python file: the line is already 1-based.
    expect(run.cases[1]).toMatchObject({
      name: 'a',
      file: 'spec/a.php',
      line: 12,
      status: 'failed',
      message: 'boom'
    })
    expect(run.cases[0]).toMatchObject({ name: 'b', classname: 'B', status: 'passed' })
  })

  test('counts from the test cases, not from attributes that disagree', async () => {
    const xml = `<testsuites tests="99" failures="0"><testsuite name="s" tests="1"><testcase name="a"/><testcase name="b"><failure/></testcase></testsuite></testsuites>`
    const run = await parseJUnit(xml, 'j.xml')
    expect(run).toMatchObject({ total: 2, passed: 1, failed: 1 })
  })

  test('an empty report has no tests', async () => {
    expect((await parseJUnit('<testsuites/>', 'j.xml')).total).toBe(0)
  })

  test.each([
    [
      '<testsuites><testsuite><testcase name="a"></testsuite></testsuites>',
      /out\/junit\.xml is not well-formed XML: .*line 1/
    ],
    ['not xml at all', /out\/junit\.xml is not well-formed XML/],
    [
      '<coverage line-rate="0.9"/>',
      /out\/junit\.xml is not JUnit XML: its root element is <coverage>/
    ]
  ])('%j is a clear error naming the file', async (xml, message) => {
    const parsing = parseJUnit(xml, 'out/junit.xml')
    await expect(parsing).rejects.toBeInstanceOf(JUnitError)
    await expect(parseJUnit(xml, 'out/junit.xml')).rejects.toThrow(message)
  })
})
