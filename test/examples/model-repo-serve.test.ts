// The example model's serving program as a process on loopback: predictions, Prometheus metrics
// with the track label, and the FAULT_* settings that make a bad canary from the same code.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCommand } from '../../src/lib/command.js'
import {
  MODEL_REPO,
  PYTHON,
  assertPythonReady,
  parsePrometheusText,
  pythonEnv,
  sampleRows,
  sampleValue,
  sendLoad,
  serveRefusal,
  startModelServer,
  trainModel,
  type ModelServer,
  type Sample
} from './model-repo.js'

interface Prediction {
  prediction: number
  label: string
  score: number
  track: string
}

let work: string
let modelDir: string
let rows: number[][]
const servers: ModelServer[] = []

beforeAll(async () => {
  await assertPythonReady()
  work = await mkdtemp(join(tmpdir(), 'model-repo-serve-'))
  await trainModel(work, { latencySamples: 0 })
  modelDir = join(work, 'model')
  rows = await sampleRows(40)
})

afterAll(async () => {
  await Promise.all(servers.map(server => server.stop()))
  if (work) await rm(work, { recursive: true, force: true })
})

async function start(track: 'stable' | 'canary' = 'stable', env: Record<string, string> = {}) {
  const server = await startModelServer({ modelDir, track, env })
  servers.push(server)
  return server
}

async function predict(
  server: ModelServer,
  body: unknown
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  return { status: response.status, body: await response.json() }
}

async function scrape(server: ModelServer): Promise<Sample[]> {
  const response = await fetch(`${server.url}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toContain('text/plain')
  return parsePrometheusText(await response.text())
}

describe('serve.py', () => {
  it('answers a prediction with the label, the score and its track', async () => {
    const server = await start('stable')
    const { status, body } = await predict(server, { features: rows[0] })
    expect(status).toBe(200)
    const answer = body as Prediction
    expect(answer.track).toBe('stable')
    expect(answer.score).toBeGreaterThanOrEqual(0)
    expect(answer.score).toBeLessThanOrEqual(1)
    expect(answer.prediction).toBe(answer.score >= 0.5 ? 1 : 0)
    expect(answer.label).toBe(answer.prediction === 1 ? 'benign' : 'malignant')
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok', track: 'stable' })
  })

  it('exposes request counts by code, a latency histogram and a score histogram, all by track', async () => {
    const server = await start('canary')
    for (const row of rows.slice(0, 10))
      expect((await predict(server, { features: row })).status).toBe(200)
    const refused = await predict(server, { features: [1, 2, 3] })
    expect(refused).toEqual({ status: 400, body: { error: 'expected 30 features, got 3' } })
    // Probes and scrapes are not prediction traffic and must not dilute the error rate.
    await fetch(`${server.url}/healthz`)
    await scrape(server)

    const samples = await scrape(server)
    const canary = { track: 'canary' }
    expect(sampleValue(samples, 'http_requests_total', { code: '200', ...canary })).toBe(10)
    expect(sampleValue(samples, 'http_requests_total', { code: '400', ...canary })).toBe(1)
    expect(sampleValue(samples, 'http_requests_total', { code: '500', ...canary })).toBe(0)
    expect(sampleValue(samples, 'http_request_duration_seconds_count', canary)).toBe(11)
    expect(sampleValue(samples, 'model_prediction_score_count', canary)).toBe(10)
    const scoreBuckets = samples
      .filter(sample => sample.name === 'model_prediction_score_bucket')
      .map(sample => sample.labels.le)
    expect(scoreBuckets).toEqual([
      '0.1',
      '0.2',
      '0.3',
      '0.4',
      '0.5',
      '0.6',
      '0.7',
      '0.8',
      '0.9',
      '1.0',
      '+Inf'
    ])
    const families = [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'model_prediction_score_bucket'
    ]
    for (const sample of samples.filter(s => families.includes(s.name))) {
      expect(sample.labels.track).toBe('canary')
    }
  })

  it('answers FAULT_ERROR_RATE of the predictions with 500 and counts them', async () => {
    const server = await start('canary', { FAULT_ERROR_RATE: '0.3', FAULT_SEED: '7' })
    const statuses: number[] = []
    for (let i = 0; i < 200; i++)
      statuses.push((await predict(server, { features: rows[i % rows.length] })).status)
    const errors = statuses.filter(status => status === 500).length
    expect(statuses.filter(status => status !== 500).every(status => status === 200)).toBe(true)
    expect(errors / 200).toBeGreaterThan(0.2)
    expect(errors / 200).toBeLessThan(0.4)
    const samples = await scrape(server)
    expect(sampleValue(samples, 'http_requests_total', { code: '500', track: 'canary' })).toBe(
      errors
    )
    expect(sampleValue(samples, 'http_requests_total', { code: '200', track: 'canary' })).toBe(
      200 - errors
    )
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })

  it('draws the same errors for the same FAULT_SEED', async () => {
    const env = { FAULT_ERROR_RATE: '0.5', FAULT_SEED: '11' }
    const sequences = []
    for (const server of [await start('canary', env), await start('canary', env)]) {
      const statuses = []
      for (let i = 0; i < 30; i++)
        statuses.push((await predict(server, { features: rows[0] })).status)
      sequences.push(statuses)
    }
    expect(sequences[1]).toEqual(sequences[0])
    expect(new Set(sequences[0])).toEqual(new Set([200, 500]))
  })

  it('adds FAULT_LATENCY_MS to every prediction, as the latency histogram shows', async () => {
    const server = await start('canary', { FAULT_LATENCY_MS: '150' })
    for (const row of rows.slice(0, 5)) {
      const started = performance.now()
      expect((await predict(server, { features: row })).status).toBe(200)
      expect(performance.now() - started).toBeGreaterThanOrEqual(150)
    }
    const samples = await scrape(server)
    const canary = { track: 'canary' }
    expect(
      sampleValue(samples, 'http_request_duration_seconds_bucket', { le: '0.1', ...canary })
    ).toBe(0)
    expect(
      sampleValue(samples, 'http_request_duration_seconds_bucket', { le: '+Inf', ...canary })
    ).toBe(5)
    expect(
      sampleValue(samples, 'http_request_duration_seconds_sum', canary)
    ).toBeGreaterThanOrEqual(0.75)
  })

  it('shifts every score by FAULT_SCORE_SHIFT within [0, 1], moving the score distribution', async () => {
    const stable = await start('stable')
    const drifted = await start('canary', { FAULT_SCORE_SHIFT: '-0.3' })
    const before: number[] = []
    const after: number[] = []
    for (const row of rows) {
      before.push(((await predict(stable, { features: row })).body as Prediction).score)
      const answer = (await predict(drifted, { features: row })).body as Prediction
      after.push(answer.score)
      expect(answer.prediction).toBe(answer.score >= 0.5 ? 1 : 0)
    }
    after.forEach((score, i) => expect(score).toBeCloseTo(Math.max(0, before[i]! - 0.3), 12))

    const share = (samples: Sample[], track: string, le: string) =>
      sampleValue(samples, 'model_prediction_score_bucket', { le, track }) /
      sampleValue(samples, 'model_prediction_score_count', { track })
    const [stableSamples, driftedSamples] = await Promise.all([scrape(stable), scrape(drifted)])
    // Scores near 1 (most benign rows) all land at or below 0.7 once shifted.
    expect(share(stableSamples, 'stable', '0.7')).toBeLessThan(0.5)
    expect(share(driftedSamples, 'canary', '0.7')).toBe(1)
    const mean = (samples: Sample[], track: string) =>
      sampleValue(samples, 'model_prediction_score_sum', { track }) /
      sampleValue(samples, 'model_prediction_score_count', { track })
    expect(mean(stableSamples, 'stable') - mean(driftedSamples, 'canary')).toBeGreaterThan(0.2)
  })

  it('refuses to start with fault settings out of range, naming the variable', async () => {
    const rate = await serveRefusal(modelDir, { FAULT_ERROR_RATE: '1.5' })
    expect(rate.code).toBe(2)
    expect(rate.stderr).toContain('FAULT_ERROR_RATE must be within 0 and 1, got 1.5')
    const latency = await serveRefusal(modelDir, { FAULT_LATENCY_MS: 'slow' })
    expect(latency.code).toBe(2)
    expect(latency.stderr).toContain("FAULT_LATENCY_MS must be a number, got 'slow'")
    const missing = await serveRefusal(join(work, 'nowhere'), {})
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('model.pkl is missing: train the model first')
  })

  it('stops cleanly on SIGTERM', async () => {
    const server = await start('stable')
    await server.stop()
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
  })
})

describe('loadgen.py', () => {
  it('sends the rate to every URL for the duration, and the servers count it', async () => {
    const stable = await start('stable')
    const canary = await start('canary', { FAULT_ERROR_RATE: '1' })
    const summary = await sendLoad([stable.url, canary.url], { rate: 20, durationS: 1 })
    expect(summary.targets[stable.url]).toMatchObject({
      sent: 20,
      codes: { '200': 20 },
      transport_errors: 0
    })
    expect(summary.targets[canary.url]).toMatchObject({
      sent: 20,
      codes: { '500': 20 },
      transport_errors: 0
    })
    const canarySamples = await scrape(canary)
    expect(
      sampleValue(canarySamples, 'http_requests_total', { code: '500', track: 'canary' })
    ).toBe(20)
  })

  it('stops at --max-requests', async () => {
    const server = await start('stable')
    const summary = await sendLoad([server.url], { rate: 50, durationS: 5, maxRequests: 7 })
    expect(summary.targets[server.url]!.sent).toBe(7)
    expect(summary.duration_s).toBeLessThan(5)
  })

  it('refuses any address that is not loopback', async () => {
    const result = await runCommand(
      PYTHON,
      ['loadgen.py', '--url', 'http://192.0.2.10:8080', '--duration', '1'],
      { cwd: MODEL_REPO, env: pythonEnv(), check: false }
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('only loopback hosts')
  })
})
