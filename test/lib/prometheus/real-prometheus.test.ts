// The client and the analysis against a real Prometheus scraping a tiny metrics endpoint.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { runAnalysis } from '../../../src/lib/canary/analysis.js'
import { parseMetricSpecs } from '../../../src/lib/canary/metric-spec.js'
import { PrometheusClient, PrometheusError } from '../../../src/lib/prometheus/client.js'
import { startPrometheus, type TestPrometheus } from '../../support/prometheus.js'

let prometheus: TestPrometheus
let target: Server
let scrapes = 0

beforeAll(async () => {
  // Every scrape serves 10 more requests, one of them an error, 100 more prediction scores, and
  // a gauge that is NaN.
  target = createServer((req, res) => {
    scrapes++
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
    res.end(
      [
        '# TYPE demo_requests_total counter',
        `demo_requests_total{code="200"} ${9 * scrapes}`,
        `demo_requests_total{code="500"} ${scrapes}`,
        '# TYPE demo_value gauge',
        'demo_value 42',
        '# TYPE demo_broken gauge',
        'demo_broken NaN',
        '# TYPE demo_score histogram',
        `demo_score_bucket{le="0.25"} ${10 * scrapes}`,
        `demo_score_bucket{le="0.5"} ${40 * scrapes}`,
        `demo_score_bucket{le="0.75"} ${90 * scrapes}`,
        `demo_score_bucket{le="1"} ${100 * scrapes}`,
        `demo_score_bucket{le="+Inf"} ${100 * scrapes}`,
        `demo_score_sum ${55 * scrapes}`,
        `demo_score_count ${100 * scrapes}`,
        ''
      ].join('\n')
    )
  })
  await new Promise<void>(resolve => target.listen(0, '127.0.0.1', resolve))
  const { port } = target.address() as AddressInfo
  prometheus = await startPrometheus({
    jobs: [
      { job: 'demo', targets: [`127.0.0.1:${port}`], labels: { track: 'canary' } },
      // The same endpoint as the stable track: the same distribution of scores on both sides.
      { job: 'demo-stable', targets: [`127.0.0.1:${port}`], labels: { track: 'stable' } }
    ],
    rules: [
      'groups:',
      '  - name: demo',
      '    rules:',
      '      - alert: DemoValueHigh',
      '        expr: demo_value{track="canary"} > 10',
      '        labels:',
      '          severity: page',
      ''
    ].join('\n')
  })
  // rate() over 5s needs two scrapes inside the window.
  await prometheus.waitForSeries('rate(demo_requests_total[5s]) > 0', 60_000)
  await prometheus.waitForSeries('ALERTS{alertstate="firing"}', 30_000)
})

afterAll(async () => {
  await prometheus?.stop()
  await new Promise(resolve => target?.close(resolve))
})

describe('PrometheusClient against a real Prometheus', () => {
  it('reads an instant vector with the scrape labels, NaN included', async () => {
    const client = new PrometheusClient({ url: new URL(prometheus.url) })
    const value = await client.query('demo_value{ track="canary" }', new Date())
    expect(value.samples).toHaveLength(1)
    expect(value.samples[0]!.value).toBe(42)
    expect(value.samples[0]!.labels).toMatchObject({
      __name__: 'demo_value',
      job: 'demo',
      track: 'canary'
    })
    const broken = await client.query('demo_broken{ track="canary" }', new Date())
    expect(broken.samples[0]!.value).toBeNaN()
    const scalar = await client.query('scalar(demo_value{ track="canary" }) * 2', new Date())
    expect(scalar).toMatchObject({ resultType: 'scalar', samples: [{ value: 84 }] })
  })

  it('reads a range as a matrix, one point per step', async () => {
    const client = new PrometheusClient({ url: new URL(prometheus.url) })
    // Four scrapes of the gauge mean its first one was at least 3 s ago, before the range.
    await prometheus.waitForSeries('count_over_time(demo_value{ track="canary" }[1m]) >= 4')
    // Whole seconds: Prometheus parses times as float seconds, and 1764134000.123 may land a
    // millisecond early, dropping the last step.
    const end = new Date(Math.floor(Date.now() / 1000) * 1000)
    const range = await client.queryRange(
      'demo_value{ track="canary" }',
      new Date(end.getTime() - 1000),
      end,
      0.5
    )
    expect(range.series).toHaveLength(1)
    expect(range.series[0]!.points.map(p => p.value)).toEqual([42, 42, 42])
    expect(range.series[0]!.points[2]!.time).toBeCloseTo(end.getTime() / 1000, 3)
  })

  it('reports a bad query with Prometheus own errorType, without retrying', async () => {
    const retries: number[] = []
    const client = new PrometheusClient({
      url: new URL(prometheus.url),
      retry: { onRetry: (_error, attempt) => retries.push(attempt) }
    })
    const failure = client.query('sum(rate(demo_requests_total[5s])', new Date())
    await expect(failure).rejects.toBeInstanceOf(PrometheusError)
    await expect(failure).rejects.toThrow(
      /^Prometheus rejected the query \(HTTP 400, bad_data\): .*parse error/
    )
    expect(retries).toEqual([])
  })

  it('fails the gate on a real firing alert and passes a healthy error rate', async () => {
    const result = await runAnalysis({
      prometheus: new PrometheusClient({ url: new URL(prometheus.url) }),
      metrics: parseMetricSpecs([
        {
          name: 'error-rate',
          query:
            'sum(rate(demo_requests_total{ {{selector}}, code="500" }[5s])) / sum(rate(demo_requests_total{ {{selector}} }[5s]))',
          max: 0.2
        }
      ]),
      canarySelector: 'track="canary"',
      baselineSelector: 'track="stable"',
      intervalMs: 1000,
      iterations: 2,
      failureLimit: 0,
      onNoData: 'fail',
      alerts: ['DemoValueHigh']
    })
    expect(result.verdict).toBe('fail')
    expect(result.reason).toMatch(
      /^In iteration 1, alert DemoValueHigh \{instance="127\.0\.0\.1:\d+", job="demo", severity="page", track="canary"\} is firing\.$/
    )
    const [iteration] = result.report.iterations
    expect(iteration!.metrics[0]!.classification).toBe('pass')
    expect(iteration!.metrics[0]!.canary).toBeCloseTo(0.1, 10)
  })

  it('runs the default drift query on a real histogram and finds no drift between equal tracks', async () => {
    const result = await runAnalysis({
      prometheus: new PrometheusClient({ url: new URL(prometheus.url) }),
      metrics: parseMetricSpecs([{ name: 'drift', kind: 'drift', histogram: 'demo_score' }]),
      canarySelector: 'track="canary"',
      baselineSelector: 'track="stable"',
      intervalMs: 3000,
      iterations: 1,
      failureLimit: 0,
      onNoData: 'fail'
    })
    const metric = result.report.iterations[0]!.metrics[0]!
    expect(metric.queries[0]!.query).toBe(
      'sum by (le) (increase(demo_score_bucket{ track="canary" }[3s]))'
    )
    expect(result.verdict).toBe('pass')
    expect(metric.drift!.buckets.map(b => b.le)).toEqual(['0.25', '0.5', '0.75', '1', '+Inf'])
    expect(metric.drift!.canaryCount).toBeGreaterThan(0)
    expect(metric.drift!.psi as number).toBeLessThan(0.01)
  })
})
