import { parse } from 'yaml'
import { parseMetricSpecs, MetricSpecError } from '../../../src/lib/canary/metric-spec.js'
import { InputError } from '../../../src/lib/errors.js'

describe('parseMetricSpecs', () => {
  it('reads the example of SPEC with its defaults', () => {
    const specs = parseMetricSpecs(
      parse(`
- name: error-rate
  query: sum(rate(http_requests_total{ {{selector}}, code=~"5.." }[1m])) / sum(rate(http_requests_total{ {{selector}} }[1m]))
  max: 0.02
  min: 0.0
  compare: baseline
  direction: increase
  tolerance: 0.1
  critical: true
- name: latency
  query: histogram_quantile(0.95, sum by (le) (rate(latency_bucket{ {{selector}} }[1m])))
  compare: baseline
- name: drift
  kind: drift
  histogram: model_prediction_score
`)
    )
    expect(specs).toEqual([
      {
        kind: 'value',
        name: 'error-rate',
        query:
          'sum(rate(http_requests_total{ {{selector}}, code=~"5.." }[1m])) / sum(rate(http_requests_total{ {{selector}} }[1m]))',
        min: 0,
        max: 0.02,
        compareBaseline: true,
        direction: 'increase',
        tolerance: 0.1,
        critical: true
      },
      {
        kind: 'value',
        name: 'latency',
        query: 'histogram_quantile(0.95, sum by (le) (rate(latency_bucket{ {{selector}} }[1m])))',
        compareBaseline: true,
        direction: 'either',
        tolerance: 0.1,
        critical: false
      },
      {
        kind: 'drift',
        name: 'drift',
        histogram: 'model_prediction_score',
        query: 'sum by (le) (increase(model_prediction_score_bucket{ {{selector}} }[{{window}}]))',
        max: 0.2,
        critical: false
      }
    ])
  })

  it('accepts a tolerance written as a percentage', () => {
    const [spec] = parseMetricSpecs([
      { name: 'a', query: 'q', compare: 'baseline', tolerance: '25%' }
    ])
    expect(spec).toMatchObject({ tolerance: 0.25 })
  })

  it('gives an empty list for an empty input (a gate that watches alerts only)', () => {
    expect(parseMetricSpecs(undefined)).toEqual([])
    expect(parseMetricSpecs(null)).toEqual([])
  })

  it.each([
    [
      { name: 'x' },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "query": got nothing; accepted: a PromQL query (it is required).'
    ],
    [
      { query: 'q', max: 1 },
      'metrics',
      'Input "metrics", entry 1, key "name": got nothing; accepted: a non-empty string, unique in the list.'
    ],
    [
      { name: 'x', query: 'q', max: '.5' },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "max": got ".5"; accepted: a finite number.'
    ],
    [
      { name: 'x', query: 'q', max: 0.1, min: 0.5 },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "min": got 0.5; accepted: a number not above max (0.1).'
    ],
    [
      { name: 'x', query: 'q', compare: 'stable' },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "compare": got "stable"; accepted: baseline (or leave it out).'
    ],
    [
      { name: 'x', query: 'q', compare: 'baseline', direction: 'up' },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "direction": got "up"; accepted: increase, decrease, either.'
    ],
    [
      { name: 'x', query: 'q', compare: 'baseline', tolerance: -0.1 },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "tolerance": got -0.1; accepted: a relative change of at least 0, such as 0.1 or "10%".'
    ],
    [
      { name: 'x', query: 'q', max: 1, critical: 'yes' },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "critical": got "yes"; accepted: true or false.'
    ],
    [
      { name: 'x', query: 'q', max: 1, tolerence: 0.2 },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "tolerence": got an unknown key; accepted: for kind value: name, kind, query, max, min, compare, direction, tolerance, critical.'
    ],
    [
      { name: 'x', query: 'q' },
      'metrics',
      'Input "metrics", entry 1 ("x"): got no min, max or compare; accepted: at least one of min, max or compare: baseline (otherwise nothing is judged).'
    ],
    [
      { name: 'x', kind: 'drift' },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "histogram": got neither histogram nor query; accepted: a histogram name (or a query giving its buckets by le).'
    ],
    [
      { name: 'x', kind: 'drift', histogram: 'bad name' },
      'metrics-file',
      'Input "metrics-file", entry 1 ("x"), key "histogram": got "bad name"; accepted: a Prometheus histogram name such as model_prediction_score.'
    ],
    [
      { name: 'x', kind: 'drift', histogram: 'h', direction: 'increase' },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "direction": got an unknown key; accepted: for kind drift: name, kind, histogram, query, max, compare, critical.'
    ],
    [
      { name: 'x', kind: 'rate', query: 'q' },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "kind": got "rate"; accepted: value (the default), ratio or drift.'
    ],
    [
      { name: 'x', kind: 'ratio', query: 'q' },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "query": got an unknown key; accepted: for kind ratio: name, kind, errors, total, max, min, compare, direction, tolerance, critical.'
    ],
    [
      { name: 'x', kind: 'ratio', errors: 'e', max: 0.1 },
      'metrics',
      'Input "metrics", entry 1 ("x"), key "total": got nothing; accepted: a PromQL query giving a count over the window, such as sum(increase(http_requests_total{ {{selector}} }[{{window}}])) (it is required).'
    ],
    [
      { name: 'x', kind: 'ratio', errors: 'e', total: 't' },
      'metrics',
      'Input "metrics", entry 1 ("x"): got no min, max or compare; accepted: at least one of min, max or compare: baseline (otherwise nothing is judged).'
    ]
  ])('refuses %j naming the entry and the key', (entry, input, message) => {
    let caught: unknown
    try {
      parseMetricSpecs([entry], input)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(MetricSpecError)
    expect(caught).toBeInstanceOf(InputError)
    expect((caught as Error).message).toBe(message)
  })

  it('refuses a duplicate name, naming the second entry', () => {
    expect(() =>
      parseMetricSpecs([
        { name: 'a', query: 'q', max: 1 },
        { name: 'a', query: 'r', max: 1 }
      ])
    ).toThrow(
      'Input "metrics", entry 2 ("a"), key "name": got "a"; accepted: a name not used by another entry.'
    )
  })

  it('refuses a value that is not a list, and an entry that is not a map', () => {
    expect(() => parseMetricSpecs({ name: 'a' })).toThrow(
      'Input "metrics", the whole value: got {"name":"a"}; accepted: a YAML list of metrics'
    )
    expect(() => parseMetricSpecs(['error-rate'])).toThrow(
      'Input "metrics", entry 1: got "error-rate"; accepted: a map with at least name and query.'
    )
  })

  it('refuses infinite and NaN numbers', () => {
    expect(() => parseMetricSpecs([{ name: 'x', query: 'q', max: Infinity }])).toThrow('key "max"')
    expect(() => parseMetricSpecs([{ name: 'x', query: 'q', min: NaN }])).toThrow('key "min"')
    expect(() => parseMetricSpecs(parse('- {name: x, query: q, max: .inf}'))).toThrow('key "max"')
  })
})
