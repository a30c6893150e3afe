import * as core from '@actions/core'
import { randomBytes } from 'node:crypto'
import { readFile, rm, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { runCommand } from '../../lib/command.js'
import { UserError, errorMessage } from '../../lib/errors.js'
import { createGitHubClient, httpStatus } from '../../lib/github/client.js'
import { markerFor, tokenLogin, upsertStickyComment } from '../../lib/github/pr-comment.js'
import {
  fetchEnvironmentBaseline,
  fetchReleaseBaseline,
  readBaselineFile,
  type Baseline,
  type NoBaseline
} from '../../lib/model-tests/baseline.js'
import { modelTestEnvironment } from '../../lib/model-tests/command-env.js'
import { judgeMetrics } from '../../lib/model-tests/judge.js'
import { parseJUnit } from '../../lib/model-tests/junit.js'
import { metricsObject, parseMetrics, type Metrics } from '../../lib/model-tests/metrics.js'
import { planJUnitOutput } from '../../lib/model-tests/pytest.js'
import {
  buildReport,
  renderMarkdown,
  testAnnotations,
  type ModelTestReport
} from '../../lib/model-tests/report.js'
import { readRunnerContext, type RunnerContext } from '../../lib/runner-context.js'
import { actionLog, setOutputs, writeSummary } from '../common/runtime.js'
import { getInputs, type RunModelTestsInputs } from './inputs.js'

export const COMMENT_MARKER = markerFor('mlops-actions:run-model-tests')
// GitHub shows 10 error annotations per step; more only clutter the log.
const MAX_ANNOTATIONS = 10

export async function run(): Promise<void> {
  const context = readRunnerContext()
  const inputs = await getInputs(context.workspace)

  const cwd = resolve(context.workspace, inputs.workingDirectory)
  const isDirectory = await stat(cwd).then(
    s => s.isDirectory(),
    () => false
  )
  if (!isDirectory) {
    throw new UserError(
      `The working directory ${inputs.workingDirectory} does not exist in the workspace.`
    )
  }
  // Fetched before the tests run: a wrong baseline is a configuration mistake to report early.
  const baseline = await loadBaseline(inputs, context, cwd)

  const { argv, junitPath } = planJUnitOutput(inputs.argv, inputs.junitPath)
  const junitFile = resolve(cwd, junitPath)
  // A report left over from an earlier run must not pass for this run's.
  await rm(junitFile, { force: true })
  const exitCode = await runTests(argv, cwd, inputs.timeoutMs)

  const junitText = await readFile(junitFile, 'utf8').catch(() => {
    throw new UserError(
      `The test command ${exitCode === 0 ? 'succeeded but' : `exited with code ${exitCode} and`} wrote no JUnit report at ${junitPath} (relative to the working directory ${inputs.workingDirectory}). Make the command write it (pytest: --junitxml=${junitPath}) or set junit-path to where it does.`
    )
  })
  const tests = await parseJUnit(junitText, junitPath)

  const notes: string[] = []
  let metrics: Metrics = new Map()
  const text = await readFile(resolve(cwd, inputs.metricsFile), 'utf8').catch(() => undefined)
  if (text !== undefined) metrics = parseMetrics(text, inputs.metricsFile)
  else if (inputs.thresholds.length > 0) {
    notes.push(`The metrics file ${inputs.metricsFile} was not written: every metric has no data.`)
    core.warning(
      `The metrics file ${inputs.metricsFile} does not exist after the test command ran.`
    )
  }
  const judgement = judgeMetrics(metrics, inputs.thresholds, {
    onNoData: inputs.onNoData,
    ...('metrics' in baseline
      ? { baseline: baseline.metrics }
      : { noBaselineReason: baseline.reason, baselineMissing: baseline.missing === true })
  })
  const report = buildReport({
    command: argv,
    exitCode,
    tests,
    judgement,
    ...('info' in baseline ? { baseline: baseline.info } : { noBaselineReason: baseline.reason }),
    notes
  })

  for (const annotation of testAnnotations(tests, {
    workspace: context.workspace,
    workingDirectory: inputs.workingDirectory
  }).slice(0, MAX_ANNOTATIONS)) {
    const { message, ...properties } = annotation
    core.error(message, properties)
  }
  if (inputs.onNoData === 'warn') {
    for (const result of report.metrics.filter(m => m.verdict === 'no-data')) {
      core.warning(`Metric ${result.metric}: ${result.reasons.join('; ')}`)
    }
  }

  setOutputs({
    passed: report.passed,
    tests: tests.total,
    failures: tests.failed + tests.errors,
    metrics: metricsObject(metrics),
    regressions: report.regressions,
    report
  })
  const markdown = renderMarkdown(report, { cases: tests.cases, runUrl: context.runUrl })
  await writeSummary(markdown)
  core.info(report.headline)
  if (inputs.comment && context.pullRequest !== undefined) {
    await commentOnPullRequest(inputs, context, context.pullRequest, markdown)
  }
  if (!report.passed) throw new UserError(failureMessage(report))
}

async function loadBaseline(
  inputs: RunModelTestsInputs,
  context: RunnerContext,
  cwd: string
): Promise<Baseline | NoBaseline> {
  const source = inputs.baseline
  if (source.kind === 'none') return { reason: 'no baseline source given' }
  if (source.kind === 'file') return readBaselineFile(resolve(cwd, source.path), source.path)
  const github = await createGitHubClient({
    token: inputs.githubToken,
    baseUrl: context.apiUrl,
    log: actionLog
  })
  const where = { owner: context.owner, repo: context.repo }
  const found =
    source.kind === 'release'
      ? await fetchReleaseBaseline(github, where, source.release, source.asset)
      : await fetchEnvironmentBaseline(github, where, source.environment, source.asset)
  if ('reason' in found) core.warning(`No baseline: ${found.reason}; regressions are not judged.`)
  else core.info(`Baseline: ${found.info.description}`)
  return found
}

/**
 * Streams the command's output to the log as it comes. Workflow commands are switched off
 * meanwhile: a test printing `::error::` or `::set-output` must not steer the runner.
 */
async function runTests(argv: string[], cwd: string, timeoutMs: number): Promise<number> {
  const [file, ...args] = argv as [string, ...string[]]
  const env = modelTestEnvironment(process.env)
  core.info(`Running ${argv.map(quoteForLog).join(' ')} in ${cwd}`)
  const resume = randomBytes(16).toString('hex')
  core.info(`::stop-commands::${resume}`)
  let result
  try {
    result = await runCommand(file, args, {
      cwd,
      env,
      check: false,
      timeoutMs,
      onLine: line => core.info(line)
    })
  } finally {
    core.info(`::${resume}::`)
  }
  if (result.stderr.includes(`(killed after ${timeoutMs} ms)`)) {
    throw new UserError(
      `The test command did not finish within the timeout (${Math.round(timeoutMs / 1000)} s) and was stopped.`
    )
  }
  return result.code
}

async function commentOnPullRequest(
  inputs: RunModelTestsInputs,
  context: RunnerContext,
  pullRequest: number,
  markdown: string
): Promise<void> {
  try {
    const github = await createGitHubClient({
      token: inputs.githubToken,
      baseUrl: context.apiUrl,
      log: actionLog
    })
    const result = await upsertStickyComment(github, {
      owner: context.owner,
      repo: context.repo,
      issueNumber: pullRequest,
      marker: COMMENT_MARKER,
      body: markdown,
      author: await tokenLogin(github)
    })
    core.info(`Pull request comment ${result.action}: ${result.url}`)
  } catch (error) {
    // The verdict does not depend on the comment; a fork's read-only token is the usual cause.
    const status = httpStatus(error)
    const hint =
      status === 403 || status === 404
        ? ' The token needs pull-requests: write; pull requests from forks get a read-only token.'
        : ''
    core.warning(
      `Could not comment on pull request #${pullRequest}: ${errorMessage(error)}.${hint}`
    )
  }
}

function failureMessage(report: ModelTestReport): string {
  const parts: string[] = []
  const { failing } = report.tests
  if (failing.length > 0) {
    const names = failing.slice(0, 5).map(t => t.name)
    parts.push(
      `${failing.length} of ${report.tests.total} tests failed (${names.join(', ')}${failing.length > names.length ? ', ...' : ''})`
    )
  } else if (report.exitCode !== 0) {
    parts.push(`the test command exited with code ${report.exitCode}`)
  }
  for (const metric of report.metrics.filter(m => !m.ok)) {
    parts.push(`metric ${metric.metric}: ${metric.reasons.join('; ')}`)
  }
  return `Model tests failed: ${parts.join('; ')}.`
}

function quoteForLog(word: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}
