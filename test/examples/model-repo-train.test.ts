// The example model repository's training and its pytest suite, with the real scikit-learn and
// pytest: the artefacts every other test and the demo build on.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCommand } from '../../src/lib/command.js'
import {
  MODEL_REPO,
  PYTHON,
  assertPythonReady,
  pythonEnv,
  runModelTests,
  trainModel,
  type Metrics
} from './model-repo.js'

const QUALITY = ['accuracy', 'f1_macro', 'precision_macro', 'recall_macro', 'roc_auc', 'log_loss']
const LATENCY = ['latency_p50_ms', 'latency_p95_ms']

let work: string
let good: string
let good2: string
let goodMetrics: Metrics

beforeAll(async () => {
  await assertPythonReady()
  work = await mkdtemp(join(tmpdir(), 'model-repo-train-'))
  good = join(work, 'good')
  good2 = join(work, 'good2')
  goodMetrics = await trainModel(good)
})

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

function only(metrics: Metrics, names: string[]): Metrics {
  return Object.fromEntries(names.map(name => [name, metrics[name]!]))
}

interface JUnitCase {
  name: string
  file?: string
  line?: number
  outcome: 'passed' | 'failure' | 'error' | 'skipped'
  message?: string
}

interface JUnitTotals {
  tests: number
  failures: number
  errors: number
  skipped: number
}

/** Enough of pytest's xunit1 report to check what a reader of it would see. */
function readJUnit(xml: string): { totals: JUnitTotals; cases: JUnitCase[] } {
  const suite = /<testsuite ([^>]*)>/.exec(xml)
  if (!suite) throw new Error(`no <testsuite> in ${xml.slice(0, 200)}`)
  const attribute = (attrs: string, name: string) =>
    new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1]
  const count = (name: keyof JUnitTotals) => Number(attribute(suite[1]!, name))
  const totals = {
    tests: count('tests'),
    failures: count('failures'),
    errors: count('errors'),
    skipped: count('skipped')
  }

  const cases = [...xml.matchAll(/<testcase ([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map(
    match => {
      const attrs = match[1]!
      const body = match[2] ?? ''
      const verdict = /<(failure|error|skipped)\b(?:[^>]*\bmessage="([^"]*)")?/.exec(body)
      const line = attribute(attrs, 'line')
      return {
        name: attribute(attrs, 'name')!,
        file: attribute(attrs, 'file'),
        line: line === undefined ? undefined : Number(line),
        outcome: (verdict?.[1] ?? 'passed') as JUnitCase['outcome'],
        message: verdict?.[2]
      }
    }
  )
  return { totals, cases }
}

describe('train.py', () => {
  it('writes every quality metric and the serving latency', () => {
    expect(Object.keys(goodMetrics).sort()).toEqual([...QUALITY, ...LATENCY].sort())
    expect(goodMetrics.accuracy).toBeGreaterThan(0.95)
    expect(goodMetrics.f1_macro).toBeGreaterThan(0.95)
    expect(goodMetrics.latency_p50_ms).toBeGreaterThan(0)
    expect(goodMetrics.latency_p95_ms).toBeGreaterThanOrEqual(goodMetrics.latency_p50_ms!)
  })

  it('gives the same model and the same quality metrics on every run', async () => {
    const again = await trainModel(good2)
    expect(only(again, QUALITY)).toEqual(only(goodMetrics, QUALITY))
    const [first, second] = await Promise.all(
      [good, good2].map(dir => readFile(join(dir, 'model', 'model.pkl')))
    )
    expect(first!.equals(second!)).toBe(true)
    expect(await readFile(join(good2, 'model', 'model.json'), 'utf8')).toBe(
      await readFile(join(good, 'model', 'model.json'), 'utf8')
    )
  })

  it('writes a byte-identical metrics.json without latency samples', async () => {
    const [a, b] = [join(work, 'exact-a'), join(work, 'exact-b')]
    await trainModel(a, { latencySamples: 0 })
    await trainModel(b, { latencySamples: 0 })
    const text = await readFile(join(a, 'metrics.json'), 'utf8')
    expect(await readFile(join(b, 'metrics.json'), 'utf8')).toBe(text)
    expect(Object.keys(JSON.parse(text) as Metrics).sort()).toEqual([...QUALITY].sort())
  })

  it('trains a worse model the more it is degraded', async () => {
    const slightly = await trainModel(join(work, 'degraded-0.1'), {
      degrade: 0.1,
      latencySamples: 0
    })
    const badly = await trainModel(join(work, 'degraded-0.25'), {
      degrade: 0.25,
      latencySamples: 0
    })
    for (const name of ['accuracy', 'f1_macro']) {
      expect(slightly[name]).toBeLessThan(goodMetrics[name]!)
      expect(badly[name]).toBeLessThan(slightly[name]!)
    }
    // Relabelling mostly moves the decision threshold, not the ranking: AUC drops, but not in
    // step with the share.
    expect(slightly.roc_auc).toBeLessThan(goodMetrics.roc_auc!)
    expect(badly.roc_auc).toBeLessThan(goodMetrics.roc_auc!)
    expect(slightly.log_loss).toBeGreaterThan(goodMetrics.log_loss!)
    expect(badly.log_loss).toBeGreaterThan(slightly.log_loss!)
    // 0.1 regresses against the good model but keeps the tests' 0.9 floors; 0.25 breaks them.
    expect(slightly.accuracy).toBeGreaterThanOrEqual(0.9)
    expect(badly.accuracy).toBeLessThan(0.9)
  })

  it('uses 0.25 when --degrade is given without a share', async () => {
    const dir = join(work, 'degraded-default')
    await runCommand(
      PYTHON,
      ['train.py', '--output-dir', dir, '--degrade', '--latency-samples', '0'],
      {
        cwd: MODEL_REPO,
        env: pythonEnv()
      }
    )
    const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8')) as Metrics
    expect(metrics).toEqual(
      JSON.parse(await readFile(join(work, 'degraded-0.25', 'metrics.json'), 'utf8')) as Metrics
    )
  })

  it('refuses a degrade share outside 0..1, naming the option', async () => {
    const result = await runCommand(
      PYTHON,
      ['train.py', '--output-dir', join(work, 'never'), '--degrade', '1.5'],
      { cwd: MODEL_REPO, env: pythonEnv(), check: false }
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('argument --degrade: must be within 0 and 1, got 1.5')
  })
})

describe('the pytest suite of the model repository', () => {
  it('passes on the good model and writes a JUnit report of every test', async () => {
    const junit = join(work, 'good.xml')
    const result = await runModelTests(good, junit)
    expect(result.code).toBe(0)
    const report = readJUnit(await readFile(junit, 'utf8'))
    expect(report.totals).toEqual({
      tests: report.cases.length,
      failures: 0,
      errors: 0,
      skipped: 0
    })
    expect(report.cases.length).toBeGreaterThanOrEqual(15)
    expect(report.cases.map(test => test.name)).toEqual(
      expect.arrayContaining([
        'test_accuracy_meets_the_floor',
        'test_metrics_count_predictions_by_code_and_track'
      ])
    )
    expect(report.cases.every(test => test.outcome === 'passed')).toBe(true)
  })

  it('fails on the degraded model, naming the floors it misses with file and line', async () => {
    const bad = join(work, 'degraded-0.25')
    const junit = join(work, 'bad.xml')
    const result = await runModelTests(bad, junit)
    expect(result.code).toBe(1)
    const report = readJUnit(await readFile(junit, 'utf8'))
    const failed = report.cases.filter(test => test.outcome === 'failure')
    expect(failed.map(test => test.name).sort()).toEqual([
      'test_accuracy_meets_the_floor',
      'test_f1_macro_meets_the_floor'
    ])
    expect(report.totals.failures).toBe(2)
    const source = (await readFile(join(MODEL_REPO, 'tests', 'test_model.py'), 'utf8')).split('\n')
    for (const test of failed) {
      expect(test.file).toBe('tests/test_model.py')
      // pytest's xunit1 line is 0-based: the def is on the next line of the file.
      expect(source[test.line!]).toContain(`def ${test.name}(`)
    }
    expect(failed.find(test => test.name === 'test_accuracy_meets_the_floor')!.message).toMatch(
      /assert 0\.86\d+ &gt;= 0\.9/
    )
  })

  it('honours a raised floor from the environment', async () => {
    const junit = join(work, 'strict.xml')
    const result = await runModelTests(join(work, 'degraded-0.1'), junit, { MIN_ACCURACY: '0.95' })
    expect(result.code).toBe(1)
    const failed = readJUnit(await readFile(junit, 'utf8')).cases.filter(
      t => t.outcome === 'failure'
    )
    expect(failed.map(test => test.name)).toEqual(['test_accuracy_meets_the_floor'])
  })

  it('reports every test as an error, with the training command, when nothing was trained', async () => {
    const empty = join(work, 'untrained')
    const junit = join(work, 'untrained.xml')
    const result = await runModelTests(empty, junit)
    expect(result.code).toBe(1)
    const report = readJUnit(await readFile(junit, 'utf8'))
    expect(report.totals.errors).toBeGreaterThan(0)
    expect(report.totals.errors + report.totals.failures).toBe(report.totals.tests)
    expect(result.stdout).toContain(`run python3 train.py --output-dir ${empty} first`)
  })
})
