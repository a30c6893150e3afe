import { modelTestEnvironment } from '../../../src/lib/model-tests/command-env.js'
import { planJUnitOutput, runsPytest } from '../../../src/lib/model-tests/pytest.js'

describe('pytest JUnit output', () => {
  test.each([
    [['python', '-m', 'pytest'], true],
    [['/usr/bin/python3', '-m', 'pytest', '-q'], true],
    [['python3.12', '-m', 'pytest'], true],
    [['pytest'], true],
    [['.venv/bin/py.test', 'tests'], true],
    [['python', '-W', 'error', '-X', 'dev', '-m', 'pytest'], true],
    [['python', 'train.py', '-m', 'pytest'], false],
    [['python', '-c', 'import x', '-m', 'pytest'], false],
    [['python', '-m', 'unittest'], false],
    [['npm', 'test'], false],
    [['make', 'pytest'], false]
  ])('%j runs pytest: %s', (argv, expected) => {
    expect(runsPytest(argv)).toBe(expected)
  })

  test('asks pytest for the report at junit-path when the command does not', () => {
    expect(planJUnitOutput(['python', '-m', 'pytest'], '')).toEqual({
      argv: ['python', '-m', 'pytest', '--junitxml=junit.xml'],
      junitPath: 'junit.xml'
    })
    expect(planJUnitOutput(['pytest'], 'out/j.xml').argv).toEqual([
      'pytest',
      '--junitxml=out/j.xml'
    ])
  })

  test.each([
    [['pytest', '--junitxml=out/a.xml'], 'out/a.xml'],
    [['pytest', '--junitxml', 'out/b.xml', '-q'], 'out/b.xml'],
    [['pytest', '--junit-xml=out/c.xml'], 'out/c.xml']
  ])('reads the report where %j writes it, without adding another', (argv, path) => {
    expect(planJUnitOutput(argv, '')).toEqual({ argv, junitPath: path })
    expect(planJUnitOutput(argv, 'given.xml')).toEqual({ argv, junitPath: 'given.xml' })
  })

  test('leaves other programs alone', () => {
    expect(planJUnitOutput(['npm', 'test'], '')).toEqual({
      argv: ['npm', 'test'],
      junitPath: 'junit.xml'
    })
  })
})

test('the test command gets the runner environment without what belongs to the pipeline', () => {
  expect(
    modelTestEnvironment({
      PATH: '/usr/bin',
      'INPUT_GITHUB-TOKEN': 'ghs_x',
      input_other: 'y',
      CI: 'true',
      ACTIONS_RUNTIME_TOKEN: 'runtime',
      ACTIONS_RUNTIME_URL: 'https://pipelines',
      ACTIONS_RESULTS_URL: 'https://results',
      ACTIONS_CACHE_URL: 'https://cache',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://oidc',
      GITHUB_ENV: '/tmp/env',
      GITHUB_OUTPUT: '/tmp/out',
      GITHUB_PATH: '/tmp/path',
      GITHUB_STATE: '/tmp/state',
      GITHUB_STEP_SUMMARY: '/tmp/summary',
      GITHUB_SHA: 'abc',
      RUNNER_TEMP: '/tmp/runner'
    })
  ).toEqual({ PATH: '/usr/bin', CI: 'true', GITHUB_SHA: 'abc', RUNNER_TEMP: '/tmp/runner' })
})
