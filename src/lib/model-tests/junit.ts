/**
 * JUnit XML, as pytest (xunit1 and xunit2), Maven Surefire, jest-junit and most other runners
 * write it: a <testsuites> or <testsuite> root, suites nested in suites, <testcase> elements
 * with <failure>, <error> or <skipped> children. Counts come from the test cases themselves, not
 * from the suites' attributes, which some writers leave out or get wrong.
 */
import { UserError } from '../errors.js'

export type TestStatus = 'passed' | 'failed' | 'error' | 'skipped'

export interface TestCaseResult {
  name: string
  classname: string
  /** As the report gives it: pytest writes it relative to the directory it ran in. */
  file?: string
  /** 1-based (pytest's 0-based line is converted). */
  line?: number
  timeSeconds: number
  status: TestStatus
  /** The failure's, error's or skip's message attribute (or its first text line). */
  message?: string
  /** The failure's body: the traceback or assertion output. */
  details?: string
}

export interface TestRun {
  total: number
  passed: number
  failed: number
  errors: number
  skipped: number
  timeSeconds: number
  cases: TestCaseResult[]
}

export class JUnitError extends UserError {
  override name = 'JUnitError'
}

type Node = Record<string, unknown>
const LISTS = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped'])

export async function parseJUnit(xml: string, source: string): Promise<TestRun> {
  const { XMLParser, XMLValidator } = await import('fast-xml-parser')
  const valid = XMLValidator.validate(xml)
  if (valid !== true) {
    throw new JUnitError(
      `The JUnit report ${source} is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col}).`
    )
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    textNodeName: '#text',
    parseTagValue: false,
    parseAttributeValue: false,
    isArray: name => LISTS.has(name)
  })
  const document = parser.parse(xml) as Node
  const cases: TestCaseResult[] = []
  if (document.testsuites !== undefined) {
    const root = asNode(document.testsuites)
    for (const suite of asList(root.testsuite)) collectSuite(suite, cases, undefined)
  } else if (document.testsuite !== undefined) {
    for (const suite of asList(document.testsuite)) collectSuite(suite, cases, undefined)
  } else {
    const root = Object.keys(document).find(key => !key.startsWith('?')) ?? '(none)'
    throw new JUnitError(
      `The JUnit report ${source} is not JUnit XML: its root element is <${root}>, not <testsuites> or <testsuite>.`
    )
  }
  return summarise(cases)
}

function collectSuite(suite: Node, cases: TestCaseResult[], inheritedFile: string | undefined) {
  const file = attribute(suite, 'file') ?? inheritedFile
  for (const testcase of asList(suite.testcase)) cases.push(readCase(testcase, file))
  for (const nested of asList(suite.testsuite)) collectSuite(nested, cases, file)
}

function readCase(node: Node, suiteFile: string | undefined): TestCaseResult {
  const file = attribute(node, 'file') ?? suiteFile
  const lineText = attribute(node, 'line')
  const rawLine = lineText !== undefined && /^\d+$/.test(lineText) ? Number(lineText) : undefined
  const result: TestCaseResult = {
    name: attribute(node, 'name') ?? '(unnamed)',
    classname: attribute(node, 'classname') ?? '',
    timeSeconds: Number(attribute(node, 'time') ?? 0) || 0,
    status: 'passed'
  }
  if (file !== undefined) result.file = file
  // pytest, the only Python runner that writes `line`, counts lines from 0; every other writer
  // that sets it (PHPUnit, for one) counts from 1.
  if (rawLine !== undefined) result.line = file?.endsWith('.py') ? rawLine + 1 : rawLine
  const outcome = (['failure', 'error', 'skipped'] as const).find(
    tag => asList(node[tag]).length > 0
  )
  if (outcome) {
    const detail = asList(node[outcome])[0] as Node
    result.status = outcome === 'failure' ? 'failed' : outcome === 'error' ? 'error' : 'skipped'
    const text = typeof detail['#text'] === 'string' ? detail['#text'] : ''
    const message =
      attribute(detail, 'message') ??
      text
        .split('\n')
        .find(l => l.trim())
        ?.trim()
    if (message) result.message = message
    if (text) result.details = text
  }
  return result
}

function summarise(cases: TestCaseResult[]): TestRun {
  const count = (status: TestStatus) => cases.filter(c => c.status === status).length
  return {
    total: cases.length,
    passed: count('passed'),
    failed: count('failed'),
    errors: count('error'),
    skipped: count('skipped'),
    timeSeconds: Number(cases.reduce((sum, c) => sum + c.timeSeconds, 0).toFixed(3)),
    cases
  }
}

function attribute(node: Node, name: string): string | undefined {
  const value = node[`@${name}`]
  return typeof value === 'string' ? value : undefined
}

function asNode(value: unknown): Node {
  // An element without attributes parses to its text: '' when empty (<skipped/>), else the text
  // (<failure>message</failure>).
  if (typeof value === 'string') return value === '' ? {} : { '#text': value }
  return value !== null && typeof value === 'object' ? (value as Node) : {}
}

function asList(value: unknown): Node[] {
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]).map(asNode)
}
