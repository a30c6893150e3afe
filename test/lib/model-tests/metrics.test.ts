import {
  MetricsFileError,
  metricsObject,
  parseMetrics
} from '../../../src/lib/model-tests/metrics.js'

describe('parseMetrics', () => {
  test('reads a flat object of numbers', () => {
    const metrics = parseMetrics('{"accuracy": 0.98, "latency_p95_ms": 12}', 'metrics.json')
    expect([...metrics]).toEqual([
      ['accuracy', { kind: 'number', value: 0.98 }],
      ['latency_p95_ms', { kind: 'number', value: 12 }]
    ])
  })

  test('flattens nested objects to dotted names', () => {
    const metrics = parseMetrics(
      '{"per_class": {"benign": {"f1": 0.9}, "malignant": {"f1": 0.8}}}',
      'm.json'
    )
    expect(metricsObject(metrics)).toEqual({
      'per_class.benign.f1': 0.9,
      'per_class.malignant.f1': 0.8
    })
  })

  test("reads Python's NaN and Infinity as non-finite numbers, not inside strings", () => {
    const metrics = parseMetrics(
      '{"a": NaN, "b": -Infinity, "c": Infinity, "label": "NaN Infinity"}',
      'm.json'
    )
    expect(metrics.get('a')).toEqual({ kind: 'number', value: Number.NaN })
    expect(metrics.get('b')).toEqual({ kind: 'number', value: Number.NEGATIVE_INFINITY })
    expect(metrics.get('c')).toEqual({ kind: 'number', value: Number.POSITIVE_INFINITY })
    expect(metrics.get('label')).toEqual({ kind: 'invalid', text: '"NaN Infinity"' })
    expect(metricsObject(metrics)).toEqual({ a: null, b: null, c: null })
  })

  test('keeps values that are not numbers as invalid, to fail their thresholds', () => {
    const metrics = parseMetrics('{"a": "0.9", "b": null, "c": [1, 2], "d": true}', 'm.json')
    expect(metrics.get('a')).toEqual({ kind: 'invalid', text: '"0.9"' })
    expect(metrics.get('b')).toEqual({ kind: 'invalid', text: 'null' })
    expect(metrics.get('c')).toEqual({ kind: 'invalid', text: 'a list' })
    expect(metrics.get('d')).toEqual({ kind: 'invalid', text: 'true' })
  })

  test.each([
    ['accuracy: 0.9', /out\/metrics\.json is not valid JSON/],
    ['{"accuracy": 0.9,}', /out\/metrics\.json is not valid JSON/],
    ['', /out\/metrics\.json is not valid JSON/],
    ['[0.9]', /out\/metrics\.json must hold a JSON object .* it holds a list/],
    ['0.9', /it holds 0\.9/]
  ])('%j is a clear error naming the file', (text, message) => {
    expect(() => parseMetrics(text, 'out/metrics.json')).toThrow(MetricsFileError)
    expect(() => parseMetrics(text, 'out/metrics.json')).toThrow(message)
  })
})
