/**
 * What a person sees: the report (the `report` output, as JSON), the job summary and the
 * pull-request comment (Markdown), and the annotations on failing tests.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { code, details, escapeHtml, heading, table } from '../markdown.js'
import { NOT_JUDGED, format, type Judgement, type MetricResult, type Regression } from './judge.js'
import type { TestCaseResult, TestRun } from './junit.js'

export interface BaselineInfo {
  source: 'file' | 'release' | 'environment'
  /** In words, e.g. `release v1.2.0 (asset metrics.json), deployed to prod`. */
  description: string
}

export interface FailingTest {
  name: string
  classname: string
  status: 'failed' | 'error'
  file?: string
  line?: number
  message?: string
}

export interface ModelTestReport {
  passed: boolean
  headline: string
  command: string[]
  exitCode: number
  /** The JUnit counts, with the failing tests only (the report stays small). */
  tests: Omit<TestRun, 'cases'> & { failing: FailingTest[] }
  metricsPassed: boolean
  metrics: MetricResult[]
  regressions: Regression[]
  baseline: BaselineInfo | null
  /** Why there is no baseline (none given, nothing deployed yet), when there is none. */
  noBaselineReason: string | null
  /** Anything else the reader should know (a metrics file that was not written). */
  notes: string[]
}

export interface ReportInput {
  command: string[]
  exitCode: number
  tests: TestRun
  judgement: Judgement
  baseline?: BaselineInfo
  noBaselineReason?: string
  notes?: string[]
}

export function buildReport(input: ReportInput): ModelTestReport {
  const { tests, judgement } = input
  const failing = tests.cases
    .filter(
      (c): c is TestCaseResult & { status: 'failed' | 'error' } =>
        c.status === 'failed' || c.status === 'error'
    )
    .map(c => ({
      name: c.name,
      classname: c.classname,
      status: c.status,
      ...(c.file !== undefined && { file: c.file }),
      ...(c.line !== undefined && { line: c.line }),
      ...(c.message !== undefined && { message: c.message })
    }))
  // A command that failed without a failing test (a crash, a collection error pytest reported
  // only on stderr) still fails the step.
  const testsPassed = failing.length === 0 && input.exitCode === 0
  const passed = testsPassed && judgement.passed
  const report: ModelTestReport = {
    passed,
    headline: '',
    command: input.command,
    exitCode: input.exitCode,
    tests: {
      total: tests.total,
      passed: tests.passed,
      failed: tests.failed,
      errors: tests.errors,
      skipped: tests.skipped,
      timeSeconds: tests.timeSeconds,
      failing
    },
    metricsPassed: judgement.passed,
    metrics: judgement.results,
    regressions: judgement.regressions,
    baseline: input.baseline ?? null,
    noBaselineReason: input.baseline
      ? null
      : (input.noBaselineReason ?? 'no baseline source given'),
    notes: input.notes ?? []
  }
  report.headline = headline(report)
  return report
}

function headline(report: ModelTestReport): string {
  const { tests } = report
  const judged = report.metrics.filter(m => m.verdict !== 'info')
  const bad = judged.filter(m => !m.ok)
  const testPart =
    tests.failing.length > 0
      ? `${tests.failing.length} of ${plural(tests.total, 'test')} failed`
      : report.exitCode !== 0
        ? `the test command exited with code ${report.exitCode}`
        : `${plural(tests.passed, 'test')} passed${tests.skipped ? ` (${tests.skipped} skipped)` : ''}`
  const metricPart =
    judged.length === 0
      ? 'no metric thresholds'
      : bad.length > 0
        ? `${plural(bad.length, 'metric')} failed (${bad.map(m => m.metric).join(', ')})`
        : `${plural(judged.length, 'metric')} within thresholds`
  return `${report.passed ? '✅ Model tests passed' : '❌ Model tests failed'}: ${testPart}; ${metricPart}`
}

export interface RenderOptions {
  /** A link to the workflow run, for the pull-request comment. */
  runUrl?: string
  /** Every test case, for the collapsed list of all tests. */
  cases?: TestCaseResult[]
  /** Rows of that list before it is cut (a comment holds at most 65536 characters). */
  maxTestRows?: number
}

export function renderMarkdown(report: ModelTestReport, options: RenderOptions = {}): string {
  const blocks = [heading(report.headline, 2)]
  const { tests } = report
  blocks.push(
    heading('Tests', 3),
    table(
      ['total', 'passed', 'failed', 'errors', 'skipped', 'time'],
      [
        [
          tests.total,
          tests.passed,
          tests.failed,
          tests.errors,
          tests.skipped,
          `${tests.timeSeconds} s`
        ]
      ]
    )
  )
  if (tests.failing.length > 0) {
    blocks.push(
      table(
        ['failing test', 'where', 'message'],
        tests.failing.map(t => [
          `❌ ${escapeHtml(testId(t))}${t.status === 'error' ? ' (error)' : ''}`,
          escapeHtml(where(t)),
          escapeHtml(shorten(t.message ?? '', 300))
        ])
      )
    )
  } else if (report.exitCode !== 0) {
    blocks.push(
      `The test command ${code(report.command.join(' '))} exited with code ${report.exitCode} without a failing test in its report: see the log.`
    )
  }

  blocks.push(heading('Metrics', 3))
  if (report.metrics.length === 0) blocks.push('No metrics were read.')
  else {
    blocks.push(
      table(
        ['metric', 'value', 'baseline', 'delta', 'bound', 'verdict'],
        report.metrics.map(m => [
          escapeHtml(m.metric),
          m.value !== null ? format(m.value) : escapeHtml(m.invalid ?? 'missing'),
          m.baseline !== null ? format(m.baseline) : '',
          describeDelta(m),
          m.bound,
          escapeHtml(verdictCell(m))
        ])
      )
    )
  }
  const baseline = report.baseline
    ? `Baseline: ${escapeHtml(report.baseline.description)}.`
    : `No baseline (${escapeHtml(report.noBaselineReason ?? '')}): regressions were not judged.`
  blocks.push([baseline, ...report.notes.map(n => escapeHtml(n))].join(' '))

  if (options.cases?.length) blocks.push(allTests(options.cases, options.maxTestRows ?? 200))
  blocks.push(
    `<sub>Command: ${code(report.command.join(' '))}, exit code ${report.exitCode}.${options.runUrl ? ` [Workflow run](${options.runUrl})` : ''}</sub>`
  )
  return `${blocks.join('\n\n')}\n`
}

function allTests(cases: TestCaseResult[], maxRows: number): string {
  const shown = cases.slice(0, maxRows)
  const rows = shown.map(c => [
    `${STATUS_ICON[c.status]} ${c.status}`,
    escapeHtml(testId(c)),
    escapeHtml(where(c)),
    `${c.timeSeconds} s`
  ])
  const more = cases.length > shown.length ? `\n\n…and ${cases.length - shown.length} more.` : ''
  return details(
    `All ${plural(cases.length, 'test')}`,
    table(['status', 'test', 'where', 'time'], rows) + more
  )
}

const STATUS_ICON = { passed: '✅', failed: '❌', error: '❌', skipped: '⏭️' } as const

function describeDelta(m: MetricResult): string {
  if (m.delta === null || m.baseline === null) return ''
  const sign = m.delta > 0 ? '+' : m.delta < 0 ? '−' : '±'
  const relative =
    m.baseline !== 0 ? ` (${sign}${format(Math.abs((m.delta / m.baseline) * 100))}%)` : ''
  return `${sign}${format(Math.abs(m.delta))}${relative}`
}

function verdictCell(m: MetricResult): string {
  switch (m.verdict) {
    case 'pass':
      return m.reasons.length ? `✅ pass (${m.reasons.join('; ')})` : '✅ pass'
    case 'fail': {
      const failing = m.reasons.filter(r => !r.startsWith(NOT_JUDGED))
      return `❌ fail: ${failing.join('; ')}`
    }
    case 'no-data':
      return `${m.ok ? '⚠️' : '❌'} no data: ${m.reasons.join('; ')}`
    case 'info':
      return 'no threshold'
  }
}

export interface TestAnnotation {
  title: string
  message: string
  /** Relative to GITHUB_WORKSPACE, as annotations need. */
  file?: string
  startLine?: number
}

/**
 * One annotation per failing test, at the file and line the report gives. The report's paths are
 * relative to where the command ran; annotations need them relative to the workspace.
 */
export function testAnnotations(
  tests: TestRun,
  where: { workspace: string; workingDirectory: string }
): TestAnnotation[] {
  const cwd = resolve(where.workspace, where.workingDirectory)
  return tests.cases
    .filter(c => c.status === 'failed' || c.status === 'error')
    .map(c => {
      const annotation: TestAnnotation = {
        title: `${c.status === 'error' ? 'Test error' : 'Test failed'}: ${c.name}`,
        message: c.details?.trim() || c.message || `${c.classname}.${c.name} ${c.status}`
      }
      if (c.file) {
        const absolute = isAbsolute(c.file) ? c.file : join(cwd, c.file)
        const inWorkspace = relative(where.workspace, absolute)
        annotation.file = inWorkspace.startsWith(`..${sep}`)
          ? absolute
          : inWorkspace.split(sep).join('/')
        if (c.line !== undefined) annotation.startLine = c.line
      }
      return annotation
    })
}

// Test names, messages and metric names come from the user's files: escaped so that a `<tag>` in
// a pytest id or an assertion cannot break the page's layout.
function testId(test: { classname: string; name: string }): string {
  return `${test.classname ? `${test.classname}.` : ''}${test.name}`
}

function where(test: { file?: string; line?: number }): string {
  return test.file ? `${test.file}${test.line !== undefined ? `:${test.line}` : ''}` : ''
}

/** Long assertion messages stay readable in a table cell; the annotation has them whole. */
function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
