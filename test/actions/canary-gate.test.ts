/**
 * canary-gate, bundled and run as the runner runs it, against a real Prometheus scraping the
 * example model's serving program: one stable process and canaries that are healthy, erroring,
 * slow or drifted, all under load at once, each canary told apart by a scrape label `variant`.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startModelServer, trainModel, type ModelServer } from '../examples/model-repo.js'
import { runActionBundle, type ActionRun } from '../harness/run-action.js'
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js'
import { startLoad, type Load } from '../support/load.js'

const METRICS = `
- name: error-rate
  query: sum(rate(http_requests_total{ {{selector}}, code=~"5.." }[3s])) / sum(rate(http_requests_total{ {{selector}} }[3s]))
  max: 0.05
  critical: true
- name: latency-p95
  query: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{ {{selector}} }[3s])))
  compare: baseline
  direction: increase
  tolerance: 0.5
- name: score-drift
  kind: drift
  histogram: model_prediction_score
`

const VARIANTS = {
  healthy: {},
  errors: { FAULT_ERROR_RATE: '0.2', FAULT_SEED: '1' },
  slow: { FAULT_LATENCY_MS: '40' },
  drifted: { FAULT_SCORE_SHIFT: '0.35' }
} as const
type Variant = keyof typeof VARIANTS

const RULES = `
groups:
  - name: canary
    rules:
      - alert: ModelErrorsFiring
        expr: sum(rate(http_requests_total{variant="errors", code=~"5.."}[3s])) > 0
        labels:
          severity: page
`

let prometheus: TestPrometheus
const servers: ModelServer[] = []
let load: Load | undefined

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), 'model-'))
  await trainModel(work, { latencySamples: 0 })
  const modelDir = join(work, 'model')
  const stable = await startModelServer({ modelDir, track: 'stable' })
  servers.push(stable)
  const canaries = await Promise.all(
    (Object.keys(VARIANTS) as Variant[]).map(async variant => {
      const server = await startModelServer({
        modelDir,
        track: 'canary',
        env: { ...VARIANTS[variant] }
      })
      servers.push(server)
      return [variant, server] as const
    })
  )
  const host = (url: string) => new URL(url).host
  prometheus = await startPrometheus({
    jobs: [
      { job: 'stable', targets: [host(stable.url)], labels: { variant: 'stable' } },
      ...canaries.map(([variant, server]) => ({
        job: `canary-${variant}`,
        targets: [host(server.url)],
        labels: { variant }
      }))
    ],
    rules: RULES
  })
  // Load for the whole file: 40 requests a second to every process, until afterAll.
  load = await startLoad(
    servers.map(s => s.url),
    { rate: 40, maxSeconds: 300 }
  )
  await prometheus.waitForSeries('sum(rate(http_requests_total{variant="healthy"}[3s]))', 30_000)
}, 90_000)

afterAll(async () => {
  await load?.stop()
  await prometheus?.stop()
  await Promise.all(servers.map(s => s.stop()))
})

function gate(
  inputs: Record<string, string>,
  variant: Variant | 'none' = 'healthy'
): Promise<ActionRun> {
  return runActionBundle('canary-gate', {
    inputs: {
      'prometheus-url': prometheus.url,
      metrics: METRICS,
      'canary-selector': `track="canary", variant="${variant}"`,
      'baseline-selector': 'track="stable"',
      interval: '3s',
      iterations: '5',
      ...inputs
    }
  })
}

const report = (run: ActionRun) => JSON.parse(run.outputs.report ?? '{}')

test('a healthy canary passes, an erroring, a slow and a drifted one each fail, and a firing alert fails the gate', async () => {
  const [healthy, errors, slow, drifted, alerted] = await Promise.all([
    gate({}, 'healthy'),
    gate({}, 'errors'),
    gate({}, 'slow'),
    gate({}, 'drifted'),
    gate({ alerts: 'ModelErrorsFiring' }, 'healthy')
  ])

  expect(healthy.outputs.verdict).toBe('pass')
  expect(healthy.exitCode).toBe(0)
  expect(Number(healthy.outputs.score)).toBe(100)
  expect(report(healthy).iterations).toHaveLength(5)
  expect(healthy.summary).toContain('Canary gate: pass')
  expect(healthy.summary).toContain('xychart-beta')

  expect(errors.outputs.verdict).toBe('fail')
  expect(errors.exitCode).toBe(1)
  expect(errors.errors[0]).toContain('Critical metric error-rate failed')
  expect(Number(errors.outputs.score)).toBe(0)

  expect(slow.outputs.verdict).toBe('fail')
  expect(slow.errors[0]).toContain('latency-p95')

  expect(drifted.outputs.verdict).toBe('fail')
  expect(drifted.errors[0]).toContain('score-drift')

  expect(alerted.outputs.verdict).toBe('fail')
  expect(alerted.errors[0]).toContain('ModelErrorsFiring')
  expect(alerted.errors[0]).toContain('severity')

  // The report holds every query as sent, with the selector in place.
  const queries = report(errors).iterations[0].metrics[0].queries
  expect(queries[0].query).toContain('track="canary", variant="errors"')
  expect(queries[0].endpoint).toBe('/api/v1/query')
}, 120_000)

test('kind: ratio judges the error rate on real request counts, against the baseline', async () => {
  const ratio = `
- name: error-rate
  kind: ratio
  errors: sum(increase(http_requests_total{ {{selector}}, code=~"5.." }[{{window}}]))
  total: sum(increase(http_requests_total{ {{selector}} }[{{window}}]))
  compare: baseline
  critical: true
`
  const [healthy, errors] = await Promise.all([
    gate({ metrics: ratio, iterations: '3' }, 'healthy'),
    gate({ metrics: ratio, iterations: '3' }, 'errors')
  ])
  expect(healthy.outputs.verdict).toBe('pass')
  const rates = report(healthy).iterations[2].metrics[0].rates
  expect(rates.test).toBe('conditional-binomial')
  expect(rates.canaryTotal).toBeGreaterThan(0)
  expect(rates.baselineTotal).toBeGreaterThan(0)
  expect(errors.outputs.verdict).toBe('fail')
  expect(errors.errors[0]).toMatch(
    /Critical metric error-rate failed in iteration \d: the canary's ratio 0\.\d+ \([\d.]+ of [\d.]+\) against the baseline's/
  )
}, 60_000)

test('with no metrics given, the default set for the chart conventions judges the canary', async () => {
  const [healthy, errors] = await Promise.all([
    gate({ metrics: '' }, 'healthy'),
    gate({ metrics: '' }, 'errors')
  ])
  expect(healthy.stdout).toContain('error-rate, latency-p95, prediction-drift')
  expect(healthy.outputs.verdict).toBe('pass')
  expect(report(healthy).iterations[4].metrics.map((m: { name: string }) => m.name)).toEqual([
    'error-rate',
    'latency-p95',
    'prediction-drift'
  ])
  expect(errors.outputs.verdict).toBe('fail')
  expect(errors.errors[0]).toContain('Critical metric error-rate failed')
}, 90_000)

test('an empty result follows on-no-data', async () => {
  const missing = `
- name: missing
  query: sum(rate(no_such_metric_total{ {{selector}} }[3s]))
  max: 1
`
  const [failing, inconclusive, passing] = await Promise.all([
    gate({ metrics: missing, iterations: '2', 'on-no-data': 'fail' }),
    gate({ metrics: missing, iterations: '2', 'on-no-data': 'inconclusive' }),
    gate({ metrics: missing, iterations: '2', 'on-no-data': 'pass' })
  ])
  expect([failing.outputs.verdict, failing.exitCode]).toEqual(['fail', 1])
  expect([inconclusive.outputs.verdict, inconclusive.exitCode]).toEqual(['inconclusive', 1])
  expect([passing.outputs.verdict, passing.exitCode]).toEqual(['pass', 0])
}, 60_000)

test.each([
  ['on-no-data', 'maybe', 'fail, inconclusive, pass'],
  ['iterations', '-1', 'a whole number from 1 to 1000'],
  ['prometheus-url', 'ftp://prometheus:9090', 'http:// or https://'],
  ['metrics', '- name: x\n  query: up\n  tolerence: 0.2', 'tolerence'],
  ['metrics', 'name: [unclosed', 'valid YAML'],
  ['canary-selector', 'track="canary"} or vector(1) {', 'PromQL label matchers'],
  ['interval', 'soon', 'a duration'],
  ['warmup', '3 minutes', 'a duration']
])('bad input %s=%j fails before any query', async (input, value, accepted) => {
  const run = await runActionBundle('canary-gate', {
    inputs: { 'prometheus-url': 'http://127.0.0.1:9', metrics: METRICS, [input]: value }
  })
  expect(run.exitCode).toBe(1)
  expect(run.errors[0]).toContain(
    input === 'metrics' && accepted === 'tolerence' ? 'key "tolerence"' : `"${input}"`
  )
  expect(run.errors[0]).toContain(accepted)
  expect(run.outputs).toEqual({})
})

test('Prometheus stopped mid-analysis fails closed', async () => {
  const running = gate({ iterations: '6', 'consecutive-error-limit': '1' })
  await new Promise(resolve => setTimeout(resolve, 4000))
  await prometheus.stop()
  const run = await running
  expect(run.outputs.verdict).toBe('fail')
  expect(run.exitCode).toBe(1)
  expect(run.errors[0]).toMatch(/could not be queried|Prometheus/)
}, 90_000)
