import type {
  InstantResult,
  InstantSample,
  PrometheusApi,
  RangeResult
} from '../../../src/lib/prometheus/client.js'

/**
 * An in-memory Prometheus for the judge's tests: each metric is a series of one value per
 * interval for the canary and the baseline; the query's selector picks the side and a marker
 * in the query (the metric's name in the PromQL) picks the series. Instant queries at the end
 * of interval k answer value k; range queries answer values for every interval in the range.
 * `undefined` in a series means "no data" (an empty vector) at that point.
 */
export const START = Date.UTC(2026, 0, 1, 12)
export const INTERVAL_MS = 60_000

type Value = number | undefined

export interface FakeSeries {
  canary: readonly Value[]
  baseline: readonly Value[]
}

export interface FakeOptions {
  series?: Record<string, FakeSeries>
  /** Histogram buckets (cumulative, by le) per iteration for drift metrics, keyed by marker. */
  histograms?: Record<string, { canary: Record<string, number>; baseline: Record<string, number> }>
  /** Firing ALERTS samples' labels per iteration (1-based); absent iterations have none. */
  alerts?: Record<number, Record<string, string>[]>
  /** Iterations (1-based) in which every request fails, with this error. */
  failAt?: (iteration: number) => Error | undefined
}

export interface FakePrometheus extends PrometheusApi {
  calls: {
    kind: 'query' | 'query_range'
    query: string
    time?: number
    start?: number
    end?: number
    step?: number
  }[]
}

export function fakePrometheus(options: FakeOptions): FakePrometheus {
  const calls: FakePrometheus['calls'] = []
  const iterationAt = (time: Date): number => Math.round((time.getTime() - START) / INTERVAL_MS)
  const side = (query: string): 'canary' | 'baseline' =>
    query.includes('track="canary"') ? 'canary' : 'baseline'
  const find = <T>(table: Record<string, T> | undefined, query: string): T => {
    const key = Object.keys(table ?? {}).find(marker => query.includes(marker))
    if (key === undefined) throw new Error(`the fake Prometheus has no series for ${query}`)
    return (table as Record<string, T>)[key] as T
  }
  const maybeFail = (iteration: number): void => {
    const error = options.failAt?.(iteration)
    if (error) throw error
  }
  return {
    calls,
    async query(query: string, time: Date): Promise<InstantResult> {
      calls.push({ kind: 'query', query, time: time.getTime() })
      const k = iterationAt(time)
      maybeFail(k)
      const t = time.getTime() / 1000
      if (query.startsWith('ALERTS{')) {
        const samples = (options.alerts?.[k] ?? []).map(labels => ({
          labels: { __name__: 'ALERTS', alertstate: 'firing', ...labels },
          time: t,
          value: 1
        }))
        return { resultType: 'vector', samples, warnings: [] }
      }
      if (
        options.histograms &&
        Object.keys(options.histograms).some(marker => query.includes(marker))
      ) {
        const buckets = find(options.histograms, query)[side(query)]
        const samples: InstantSample[] = Object.entries(buckets).map(([le, value]) => ({
          labels: { le },
          time: t,
          value: value * k
        }))
        return { resultType: 'vector', samples, warnings: [] }
      }
      const value = find(options.series, query)[side(query)][k - 1]
      return {
        resultType: 'vector',
        samples: value === undefined ? [] : [{ labels: {}, time: t, value }],
        warnings: []
      }
    },
    async queryRange(query: string, start: Date, end: Date, step: number): Promise<RangeResult> {
      calls.push({ kind: 'query_range', query, start: start.getTime(), end: end.getTime(), step })
      maybeFail(iterationAt(end))
      const values = find(options.series, query)[side(query)]
      const points: { time: number; value: number }[] = []
      for (let k = iterationAt(start); k <= iterationAt(end); k++) {
        const value = values[k - 1]
        if (value !== undefined) points.push({ time: (START + k * INTERVAL_MS) / 1000, value })
      }
      return { series: points.length ? [{ labels: {}, points }] : [], warnings: [] }
    }
  }
}

/** A clock that only moves when the analysis sleeps, so a test runs in no time. */
export function fakeClock(): {
  now: () => number
  sleep: (ms: number) => Promise<void>
  slept: number[]
} {
  let time = START
  const slept: number[] = []
  return {
    now: () => time,
    sleep: async ms => {
      slept.push(ms)
      time += ms
    },
    slept
  }
}

/** Deterministic pseudo-random numbers (mulberry32), so test data is the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `count` values around `center`, each within +/- `spread` (uniform), from a seeded generator. */
export function around(center: number, spread: number, count: number, seed: number): number[] {
  const random = seeded(seed)
  return Array.from({ length: count }, () => center + spread * (2 * random() - 1))
}
