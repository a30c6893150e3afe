import { judgeMetrics, type OnNoData } from '../../../src/lib/model-tests/judge.js'
import { parseMetrics } from '../../../src/lib/model-tests/metrics.js'
import { parseThresholdsYaml } from '../../../src/lib/model-tests/thresholds.js'

const metrics = (json: string) => parseMetrics(json, 'metrics.json')

async function judge(
  current: string,
  thresholds: string,
  options: {
    baseline?: string
    onNoData?: OnNoData
    baselineMissing?: boolean
    noBaselineReason?: string
  } = {}
) {
  return judgeMetrics(metrics(current), await parseThresholdsYaml(thresholds, 'test'), {
    onNoData: options.onNoData ?? 'fail',
    ...(options.baseline !== undefined && { baseline: metrics(options.baseline) }),
    ...(options.baselineMissing !== undefined && { baselineMissing: options.baselineMissing }),
    ...(options.noBaselineReason !== undefined && { noBaselineReason: options.noBaselineReason })
  })
}

describe('judgeMetrics', () => {
  test('absolute bounds pass at the bound and fail beyond it', async () => {
    const judgement = await judge(
      '{"accuracy": 0.9, "latency": 50.01}',
      'accuracy: {min: 0.9}\nlatency: {max: 50}'
    )
    expect(judgement.passed).toBe(false)
    expect(judgement.results.map(r => [r.metric, r.verdict, r.reasons])).toEqual([
      ['accuracy', 'pass', []],
      ['latency', 'fail', ['50.01 is above the maximum 50']]
    ])
  })

  test('a regression beyond an absolute allowance fails, in the direction that is worse', async () => {
    const judgement = await judge(
      '{"accuracy": 0.944056, "latency": 0.08}',
      'accuracy: {better: higher, max-regression: 0.01}\nlatency: {better: lower, max-regression: 0.01}',
      { baseline: '{"accuracy": 0.986014, "latency": 0.2}' }
    )
    expect(judgement.passed).toBe(false)
    const [accuracy, latency] = judgement.results
    expect(accuracy).toMatchObject({ verdict: 'fail', baseline: 0.986014 })
    expect(accuracy?.delta).toBeCloseTo(-0.041958, 9)
    expect(accuracy?.reasons).toEqual([
      'fell by 0.041958 from the baseline 0.986014; at most 0.01 allowed (0.01)'
    ])
    // Lower latency is an improvement, however large.
    expect(latency).toMatchObject({ verdict: 'pass', reasons: [] })
    expect(judgement.regressions).toEqual([
      {
        metric: 'accuracy',
        value: 0.944056,
        baseline: 0.986014,
        better: 'higher',
        worsening: 0.041958,
        allowed: 0.01,
        maxRegression: '0.01'
      }
    ])
  })

  test('a percentage allowance is a share of the baseline; exactly the allowance passes', async () => {
    const thresholds = 'latency: {better: lower, max-regression: "10%"}'
    const within = await judge('{"latency": 55}', thresholds, { baseline: '{"latency": 50}' })
    expect(within.passed).toBe(true)
    const beyond = await judge('{"latency": 55.1}', thresholds, { baseline: '{"latency": 50}' })
    expect(beyond.results[0]?.reasons).toEqual([
      'rose by 5.1 from the baseline 50; at most 5 allowed (10%)'
    ])
    // 0.986014 - 0.01 is 0.976014 only up to float rounding: that must not fail.
    const exact = await judge('{"a": 0.976014}', 'a: {better: higher, max-regression: 0.01}', {
      baseline: '{"a": 0.986014}'
    })
    expect(exact.passed).toBe(true)
  })

  test.each<[OnNoData, boolean]>([
    ['fail', false],
    ['warn', true],
    ['pass', true]
  ])('a missing metric with on-no-data %s passes: %s', async (onNoData, passed) => {
    const judgement = await judge('{"accuracy": 0.99}', 'f1: {min: 0.9}', { onNoData })
    expect(judgement.passed).toBe(passed)
    expect(judgement.results[0]).toMatchObject({
      metric: 'f1',
      value: null,
      verdict: 'no-data',
      ok: passed,
      reasons: [`missing from the metrics file (on-no-data: ${onNoData})`]
    })
  })

  test.each([
    ['{"accuracy": NaN}', 'NaN is not a finite number'],
    ['{"accuracy": Infinity}', 'Infinity is not a finite number'],
    ['{"accuracy": "0.99"}', '"0.99" is not a finite number'],
    ['{"accuracy": null}', 'null is not a finite number']
  ])('%s never passes, whatever on-no-data says', async (current, reason) => {
    const judgement = await judge(current, 'accuracy: {max: 1}', { onNoData: 'pass' })
    expect(judgement.passed).toBe(false)
    expect(judgement.results[0]).toMatchObject({ verdict: 'fail', value: null, reasons: [reason] })
  })

  test('with no baseline yet (first release) the regression is not judged, and says why', async () => {
    const thresholds = 'accuracy: {min: 0.9, max-regression: 0.01}'
    const none = await judge('{"accuracy": 0.95}', thresholds)
    expect(none.results[0]).toMatchObject({
      verdict: 'pass',
      reasons: ['regression not judged: no baseline']
    })
  })

  test.each([
    ['not in the baseline', { baseline: '{"f1": 0.9}' }, 'not in the baseline'],
    [
      'NaN in the baseline',
      { baseline: '{"accuracy": NaN}' },
      "the baseline's NaN is not a finite number"
    ],
    [
      'an absent baseline file',
      { baselineMissing: true, noBaselineReason: 'the baseline file prod.json does not exist' },
      'the baseline file prod.json does not exist'
    ]
  ])(
    'a baseline value that is %s follows on-no-data (fail closed by default)',
    async (_, extra, why) => {
      const thresholds = 'accuracy: {min: 0.9, max-regression: 0.01}'
      const failing = await judge('{"accuracy": 0.95}', thresholds, extra)
      expect(failing.passed).toBe(false)
      expect(failing.results[0]).toMatchObject({
        verdict: 'no-data',
        reasons: [`regression not judged: ${why} (on-no-data: fail)`]
      })
      const passing = await judge('{"accuracy": 0.95}', thresholds, { ...extra, onNoData: 'pass' })
      expect(passing.passed).toBe(true)
      expect(passing.results[0]!.verdict).toBe('no-data')
    }
  )

  test('the slack for rounding is relative: a regression on a tiny scale is still seen', async () => {
    const judgement = await judge('{"loss": 3e-10}', 'loss: {better: lower, max-regression: 0}', {
      baseline: '{"loss": 1e-10}'
    })
    expect(judgement.passed).toBe(false)
    expect(judgement.regressions).toHaveLength(1)
  })

  test('metrics without thresholds are reported, with their delta, and never fail', async () => {
    const judgement = await judge('{"z": 2, "a": 0.5, "bad": "x"}', 'a: {min: 0}', {
      baseline: '{"z": 1.5}'
    })
    expect(judgement.passed).toBe(true)
    expect(judgement.results.map(r => [r.metric, r.verdict, r.delta])).toEqual([
      ['a', 'pass', null],
      ['bad', 'info', null],
      ['z', 'info', 0.5]
    ])
    expect(judgement.results[1]?.invalid).toBe('"x"')
  })
})
