#!/usr/bin/env node
// Judge-quality benchmark of the canary gate (issue 7): how often the statistical judge catches a
// real regression, how often it stops a healthy canary, and how long it takes to decide, side by
// side with a Flagger-style fixed threshold judged on the very same series.
//
//   node bench/judge-quality.mjs [--trials 1000] [--seed 7] [--rps 100] [--significance 0.01]
//                                [--iterations 5] [--sweep]
// --sweep adds, at 10, 20, 50 and 100 requests/s per track and 5 and 10 one-minute iterations,
// the judge's A/A false alarms and its detection of a doubled error rate and of +50% latency,
// each beside the reference: the best any judge can do with these very requests.
//
// The simulation (what one trial is): a stable (baseline) and a canary track, each serving
// Poisson traffic of `rps` requests per second, observed as Prometheus would after each scrape
// (15 s) and judged per minute by queries with a `[1m]` rate window, over the gate's defaults:
// interval 60s, 5 iterations, failure-limit 0, on-no-data fail, tolerance 0.1, significance
// 0.01. Per track and minute:
// - the trial's healthy level: each trial stands for another hour or day of the service, so its
//   error rate is 1% times a lognormal factor (sd 0.3) and its latency 100 ms times one (sd
//   0.15), shared by both tracks: the level a fixed threshold must be set for without knowing;
// - requests ~ Poisson(rps * 60); 5xx errors ~ Binomial(requests, level * load), where `load`
//   is a lognormal factor (sd 0.15) shared by both tracks in that minute: real traffic swings
//   hit both versions at once;
// - latencies are lognormal (median: the level, sigma 0.5, times a shared per-minute factor with
//   sd 0.05), counted into Prometheus's default histogram buckets (5 ms ... 10 s), and the
//   metric is p95 through histogram_quantile's linear interpolation inside a bucket;
// - each request yields a prediction score ~ Beta(2, 5), counted into ten 0.1-wide buckets.
// Regressions change the canary only: error probability x2, every latency x1.5, or scores from
// Beta(3, 5) (mean 0.29 -> 0.38, population PSI 0.33 over those buckets: a retrained model that
// answers differently). A trial is a full gate run (runAnalysis, with the three metrics below)
// against an in-memory Prometheus that answers the rendered PromQL from the simulated series.
// The fixed threshold is Flagger's thresholdRange: each minute, the canary's 1-minute value
// must stay under a max, and one miss fails (the same failure-limit 0), with the max set from
// the long-run healthy level, at three settings: "tight" (error rate under 1.5%, p95 under
// 1.25x the healthy p95, mean score under 1.1x the healthy mean), "medium" (2%, 1.5x, 1.2x) and
// "loose" (3%, 2x, 1.3x). No single setting is good at both; the judge needs no such setting,
// since it compares with the baseline at the same moment. The default traffic (100 requests/s
// per track) is a service of 1,000 requests/s at a 10% canary step; --sweep shows lower ones.
// The reference is the optimal test on the raw simulated requests of the whole analysis, the
// information no judge can exceed: for errors, the exact conditional test of two rates on the
// total counts (the uniformly most powerful unbiased test); for latency, the rank-sum test on
// every request's latency bucket (tie-corrected normal approximation); both one-sided at the
// significance level, looked at once, at the end.
// The judge's error rate is the default metric set's `kind: ratio` (errors and requests over
// the window, judged on the counts); its latency is the p95 per minute against the baseline.
// Everything draws from one seeded generator, so a run is reproducible.
import { register } from 'node:module'
import { performance } from 'node:perf_hooks'

register('./judge-quality-loader.mjs', import.meta.url)
const { runAnalysis } = await import('../src/lib/canary/analysis.ts')
const { parseMetricSpecs } = await import('../src/lib/canary/metric-spec.ts')
const { conditionalRateTest, normalCdf, normalSf } = await import('../src/lib/canary/statistics.ts')

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const TRIALS = option('trials', 1000)
const SEED = option('seed', 7)
const RPS = option('rps', 100)
const SIGNIFICANCE = option('significance', 0.01)
const SWEEP = args.includes('--sweep')
const ITERATIONS = option('iterations', 5)

const INTERVAL_MS = 60_000
const BASE_ERROR = 0.01
const LATENCY_MEDIAN = 0.1
const LATENCY_SIGMA = 0.5
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity]
const SCORE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, Infinity]
const START = Date.UTC(2026, 0, 1)

const METRICS = parseMetricSpecs([
  {
    name: 'error-rate',
    kind: 'ratio',
    errors: 'sum(increase(http_requests_total{ {{selector}}, code=~"5.." }[{{window}}]))',
    total: 'sum(increase(http_requests_total{ {{selector}} }[{{window}}]))',
    compare: 'baseline'
  },
  {
    name: 'latency-p95',
    query:
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{ {{selector}} }[1m])))',
    compare: 'baseline',
    direction: 'increase'
  },
  { name: 'prediction-drift', kind: 'drift', histogram: 'model_prediction_score' }
])

// --- seeded randomness ----------------------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function makeRandom(seed) {
  const uniform = mulberry32(seed)
  let spare
  const gaussian = () => {
    if (spare !== undefined) {
      const s = spare
      spare = undefined
      return s
    }
    let u = 0
    while (u === 0) u = uniform()
    const v = uniform()
    const r = Math.sqrt(-2 * Math.log(u))
    spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }
  const poisson = lambda => {
    if (lambda <= 0) return 0
    if (lambda > 200) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian()))
    const limit = Math.exp(-lambda)
    let k = 0
    let p = uniform()
    while (p > limit) {
      k++
      p *= uniform()
    }
    return k
  }
  // Inversion for small means (exact), the normal approximation when both tails hold 30+.
  const binomial = (n, p) => {
    if (n <= 0 || p <= 0) return 0
    if (p >= 1) return n
    if (p > 0.5) return n - binomial(n, 1 - p)
    if (n * p < 30) {
      const q = 1 - p
      const s = p / q
      const a = (n + 1) * s
      let r = Math.pow(q, n)
      let u = uniform()
      let x = 0
      while (u > r && x < n) {
        u -= r
        x++
        r *= a / x - s
      }
      return x
    }
    return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * gaussian())))
  }
  const multinomial = (n, probabilities) => {
    const counts = []
    let left = n
    let mass = 1
    for (const p of probabilities) {
      const k = mass <= 0 ? 0 : binomial(left, Math.min(1, p / mass))
      counts.push(k)
      left -= k
      mass -= p
    }
    return counts
  }
  return { uniform, gaussian, poisson, binomial, multinomial }
}

// --- the simulated service ------------------------------------------------------------------

function latencyProbabilities(factor) {
  const mu = Math.log(LATENCY_MEDIAN * factor)
  let previous = 0
  return LATENCY_BUCKETS.map(bound => {
    const cdf = bound === Infinity ? 1 : normalCdf((Math.log(bound) - mu) / LATENCY_SIGMA)
    const p = cdf - previous
    previous = cdf
    return p
  })
}

/** CDF of Beta(a, b) with whole a and b: P(Binomial(a + b - 1, x) >= a). */
function betaCdf(x, a, b) {
  const n = a + b - 1
  let total = 0
  let coefficient = 1
  for (let j = 0; j <= n; j++) {
    if (j > 0) coefficient = (coefficient * (n - j + 1)) / j
    if (j >= a) total += coefficient * x ** j * (1 - x) ** (n - j)
  }
  return Math.min(1, total)
}

function scoreProbabilities([a, b]) {
  let previous = 0
  return SCORE_BUCKETS.map(bound => {
    const cdf = bound === Infinity ? 1 : betaCdf(bound, a, b)
    const p = Math.max(0, cdf - previous)
    previous = cdf
    return p
  })
}

const HEALTHY = { errorFactor: 1, latencyFactor: 1, scores: [2, 5] }
const SCENARIOS = [
  { name: 'A/A (healthy canary)', regression: false, canary: HEALTHY },
  { name: 'error rate x2', regression: true, canary: { ...HEALTHY, errorFactor: 2 } },
  { name: 'latency +50%', regression: true, canary: { ...HEALTHY, latencyFactor: 1.5 } },
  { name: 'drifted scores', regression: true, canary: { ...HEALTHY, scores: [3, 5] } }
]

function simulateTrial(random, canaryParams, rps, iterations) {
  const minutes = iterations * (INTERVAL_MS / 60_000)
  // The healthy level of this trial: each trial is another hour or day of the service, whose
  // error rate and latency drift with traffic mix and time of day. Both tracks share it.
  const errorLevel = Math.exp(0.3 * random.gaussian())
  const latencyLevel = Math.exp(0.15 * random.gaussian())
  const tracks = { stable: [], canary: [] }
  for (let m = 1; m <= minutes; m++) {
    const load = errorLevel * Math.exp(0.15 * random.gaussian())
    const slowdown = latencyLevel * Math.exp(0.05 * random.gaussian())
    for (const [track, params] of [
      ['stable', HEALTHY],
      ['canary', canaryParams]
    ]) {
      const requests = random.poisson(rps * 60)
      tracks[track].push({
        requests,
        errors: random.binomial(requests, Math.min(1, BASE_ERROR * load * params.errorFactor)),
        latency: random.multinomial(
          requests,
          latencyProbabilities(slowdown * params.latencyFactor)
        ),
        scores: random.multinomial(requests, scoreProbabilities(params.scores))
      })
    }
  }
  return tracks
}

/** Prometheus's histogram_quantile on one set of per-bucket counts. */
function histogramQuantile(q, bounds, counts) {
  const total = counts.reduce((a, b) => a + b, 0)
  if (total === 0) return NaN
  const rank = q * total
  let cumulative = 0
  for (let i = 0; i < counts.length; i++) {
    const before = cumulative
    cumulative += counts[i]
    if (cumulative >= rank) {
      if (bounds[i] === Infinity) return bounds[i - 1]
      const lower = i === 0 ? 0 : bounds[i - 1]
      return lower + (bounds[i] - lower) * ((rank - before) / counts[i])
    }
  }
  return bounds[bounds.length - 2]
}

function minuteValue(metric, minute) {
  if (metric === 'error-rate') return minute.requests === 0 ? NaN : minute.errors / minute.requests
  return histogramQuantile(0.95, LATENCY_BUCKETS, minute.latency)
}

function meanScore(minute) {
  const mids = SCORE_BUCKETS.map(bound => (bound === Infinity ? 1 : bound - 0.05))
  const total = minute.scores.reduce((a, b) => a + b, 0)
  return minute.scores.reduce((sum, count, i) => sum + count * mids[i], 0) / total
}

/** An in-memory Prometheus answering the benchmark's three queries from the simulated series. */
function simulatedPrometheus(tracks, timing) {
  const track = query => (query.includes('track="canary"') ? tracks.canary : tracks.stable)
  const metric = query =>
    query.includes('code=~"5.."')
      ? 'errors'
      : query.includes('http_request_duration')
        ? 'latency-p95'
        : query.includes('model_prediction_score')
          ? 'drift'
          : 'requests'
  const minuteAt = time => Math.round((time.getTime() - START) / 60_000)
  return {
    async query(query, time) {
      const began = performance.now()
      const minutes = track(query)
      const m = minuteAt(time)
      let samples
      if (metric(query) === 'drift') {
        const sums = SCORE_BUCKETS.map((_, b) =>
          minutes.slice(0, m).reduce((sum, minute) => sum + minute.scores[b], 0)
        )
        let cumulative = 0
        samples = SCORE_BUCKETS.map((bound, b) => {
          cumulative += sums[b]
          return {
            labels: { le: bound === Infinity ? '+Inf' : String(bound) },
            time: time.getTime() / 1000,
            value: cumulative
          }
        })
      } else if (metric(query) === 'latency-p95') {
        samples = [
          {
            labels: {},
            time: time.getTime() / 1000,
            value: minuteValue('latency-p95', minutes[m - 1])
          }
        ]
      } else {
        // A count over the window so far (increase(...[{{window}}])).
        const key = metric(query)
        const value = minutes.slice(0, m).reduce((sum, minute) => sum + minute[key], 0)
        samples = [{ labels: {}, time: time.getTime() / 1000, value }]
      }
      timing.prometheusMs += performance.now() - began
      return { resultType: 'vector', samples, warnings: [] }
    },
    async queryRange(query, start, end, stepSeconds) {
      const began = performance.now()
      if (stepSeconds !== 60)
        throw new Error(
          `the judge asked for a ${stepSeconds}s step; the simulation has 1-minute windows`
        )
      const minutes = track(query)
      const points = []
      for (let m = minuteAt(start); m <= minuteAt(end); m++)
        points.push({
          time: START / 1000 + m * 60,
          value: minuteValue(metric(query), minutes[m - 1])
        })
      timing.prometheusMs += performance.now() - began
      return { series: [{ labels: {}, points }], warnings: [] }
    }
  }
}

function fixedThresholdFails(tracks, limits) {
  return tracks.canary.some(
    minute =>
      !(
        minuteValue('error-rate', minute) <= limits.errorRate &&
        minuteValue('latency-p95', minute) <= limits.p95 &&
        meanScore(minute) <= limits.meanScore
      )
  )
}

/** The reference on the raw requests: the optimal one-sided tests, one look at the end. */
function referenceFires(tracks) {
  const total = (minutes, key) => minutes.reduce((sum, minute) => sum + minute[key], 0)
  const errors = conditionalRateTest(
    total(tracks.canary, 'errors'),
    total(tracks.canary, 'requests'),
    total(tracks.stable, 'errors'),
    total(tracks.stable, 'requests'),
    'greater'
  )
  const buckets = track =>
    LATENCY_BUCKETS.map((_, b) => track.reduce((sum, minute) => sum + minute.latency[b], 0))
  return {
    errors: errors.pValue < SIGNIFICANCE,
    latency: rankSumFromBuckets(buckets(tracks.canary), buckets(tracks.stable)) < SIGNIFICANCE
  }
}

/** One-sided (canary slower) rank-sum p-value from per-bucket counts, every bucket one tie. */
function rankSumFromBuckets(canary, baseline) {
  const n1 = canary.reduce((a, b) => a + b, 0)
  const n2 = baseline.reduce((a, b) => a + b, 0)
  const n = n1 + n2
  if (n1 === 0 || n2 === 0) return 1
  let u = 0
  let below = 0
  let tieTerm = 0
  for (let b = 0; b < canary.length; b++) {
    u += canary[b] * (below + baseline[b] / 2)
    below += baseline[b]
    const t = canary[b] + baseline[b]
    tieTerm += t * t * t - t
  }
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)))
  if (variance <= 0) return 1
  return normalSf((u - (n1 * n2) / 2 - 0.5) / Math.sqrt(variance))
}

// The healthy 1-minute p95 and mean score, from the model itself (not from any trial).
const healthyP95 = histogramQuantile(
  0.95,
  LATENCY_BUCKETS,
  latencyProbabilities(1).map(p => p * 1e6)
)
const healthyMeanScore = meanScore({ scores: scoreProbabilities([2, 5]).map(p => p * 1e6) })
const FIXED = {
  tight: { errorRate: 1.5 * BASE_ERROR, p95: 1.25 * healthyP95, meanScore: 1.1 * healthyMeanScore },
  medium: { errorRate: 2 * BASE_ERROR, p95: 1.5 * healthyP95, meanScore: 1.2 * healthyMeanScore },
  loose: { errorRate: 3 * BASE_ERROR, p95: 2 * healthyP95, meanScore: 1.3 * healthyMeanScore }
}

async function runScenario(scenario, rps, seed, iterations = ITERATIONS, trials = TRIALS) {
  const random = makeRandom(seed)
  const result = {
    judge: 0,
    tight: 0,
    medium: 0,
    loose: 0,
    reference: { errors: 0, latency: 0, any: 0 },
    iterationMs: []
  }
  for (let trial = 0; trial < trials; trial++) {
    const tracks = simulateTrial(random, scenario.canary, rps, iterations)
    const timing = { prometheusMs: 0 }
    let clock = START
    let iterationBegan = performance.now()
    const analysis = await runAnalysis({
      prometheus: simulatedPrometheus(tracks, timing),
      metrics: METRICS,
      canarySelector: 'track="canary"',
      baselineSelector: 'track="stable"',
      intervalMs: INTERVAL_MS,
      iterations,
      failureLimit: 0,
      onNoData: 'fail',
      significance: SIGNIFICANCE,
      now: () => clock,
      sleep: async ms => {
        clock += ms
        iterationBegan = performance.now()
        timing.prometheusMs = 0
      },
      onIteration: () =>
        result.iterationMs.push(performance.now() - iterationBegan - timing.prometheusMs)
    })
    if (analysis.verdict !== 'pass') result.judge++
    const reference = referenceFires(tracks)
    if (reference.errors) result.reference.errors++
    if (reference.latency) result.reference.latency++
    if (reference.errors || reference.latency) result.reference.any++
    for (const setting of Object.keys(FIXED))
      if (fixedThresholdFails(tracks, FIXED[setting])) result[setting]++
  }
  return result
}

const pct = count => `${((100 * count) / TRIALS).toFixed(1)}%`
/** The reference for what a scenario changes; none exists for drift (not simulated per request). */
const referenceCell = (scenario, r) =>
  scenario.canary.errorFactor !== 1
    ? pct(r.reference.errors)
    : scenario.canary.latencyFactor !== 1
      ? pct(r.reference.latency)
      : scenario.regression
        ? 'n/a'
        : pct(r.reference.any)
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

console.log(`command: node bench/judge-quality.mjs ${args.join(' ')}`.trim())
console.log(
  `settings: ${TRIALS} trials per scenario, seed ${SEED}, ${RPS} requests/s per track, interval 60s, ${ITERATIONS} iterations, failure-limit 0, tolerance 0.1, significance ${SIGNIFICANCE}, drift max PSI 0.2\n`
)
console.log(
  '| scenario | statistical judge | reference (raw requests) | fixed threshold, tight | fixed threshold, medium | fixed threshold, loose |'
)
console.log('| --- | --- | --- | --- | --- | --- |')
// Warm-up trials (not counted) so that the timings measure the judge, not the JIT compiler.
await runScenario(SCENARIOS[1], RPS, SEED + 1000, ITERATIONS, 50)
const allIterationMs = []
for (const [index, scenario] of SCENARIOS.entries()) {
  const r = await runScenario(scenario, RPS, SEED + index)
  allIterationMs.push(...r.iterationMs)
  const label = scenario.regression ? 'detected' : 'false alarms'
  console.log(
    `| ${scenario.name} (${label}) | ${pct(r.judge)} | ${referenceCell(scenario, r)} | ${pct(r.tight)} | ${pct(r.medium)} | ${pct(r.loose)} |`
  )
}
console.log(
  `\njudge decision time per iteration (3 metrics, Prometheus excluded): median ${quantile(allIterationMs, 0.5).toFixed(3)} ms, p99 ${quantile(allIterationMs, 0.99).toFixed(3)} ms, max ${Math.max(...allIterationMs).toFixed(3)} ms over ${allIterationMs.length} iterations`
)

if (SWEEP) {
  console.log(
    '\n| requests/s per track | iterations | judge: A/A false alarms | reference: A/A | judge: errors x2 detected | reference: x2 | judge / reference | judge: latency +50% detected | reference: +50% | judge / reference |'
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  const ratio = (judge, reference) =>
    reference === 0 ? 'n/a' : `${((100 * judge) / reference).toFixed(1)}%`
  for (const iterations of [5, 10]) {
    for (const rps of [10, 20, 50, 100]) {
      const aa = await runScenario(SCENARIOS[0], rps, SEED + 100 + rps, iterations)
      const x2 = await runScenario(SCENARIOS[1], rps, SEED + 200 + rps, iterations)
      const slow = await runScenario(SCENARIOS[2], rps, SEED + 300 + rps, iterations)
      console.log(
        `| ${rps} | ${iterations} | ${pct(aa.judge)} | ${pct(aa.reference.any)} | ${pct(x2.judge)} | ${pct(x2.reference.errors)} | ${ratio(x2.judge, x2.reference.errors)} | ${pct(slow.judge)} | ${pct(slow.reference.latency)} | ${ratio(slow.judge, slow.reference.latency)} |`
      )
    }
  }
}
