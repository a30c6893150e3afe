import {
  ThresholdsError,
  parseAllowance,
  parseThresholdsYaml
} from '../../../src/lib/model-tests/thresholds.js'

async function problems(yaml: string): Promise<string[]> {
  try {
    await parseThresholdsYaml(yaml, 'input "thresholds"')
  } catch (error) {
    if (error instanceof ThresholdsError) return error.problems
    throw error
  }
  throw new Error('expected the thresholds to be refused')
}

describe('thresholds', () => {
  test("reads SPEC's example", async () => {
    const thresholds = await parseThresholdsYaml(
      `accuracy:
  min: 0.90              # absolute bounds: min and/or max
  better: higher
  max-regression: 0.01
latency_p95_ms:
  max: 50
  better: lower
  max-regression: "10%"
`,
      'thresholds.yml'
    )
    expect(thresholds).toEqual([
      {
        metric: 'accuracy',
        min: 0.9,
        better: 'higher',
        maxRegression: { kind: 'absolute', amount: 0.01 }
      },
      {
        metric: 'latency_p95_ms',
        max: 50,
        better: 'lower',
        maxRegression: { kind: 'percent', percent: 10 }
      }
    ])
  })

  test('infers better from a single bound, and reads nothing from an empty document', async () => {
    expect(await parseThresholdsYaml('f1: {min: 0.8, max-regression: 1%}', 'x')).toEqual([
      { metric: 'f1', min: 0.8, better: 'higher', maxRegression: { kind: 'percent', percent: 1 } }
    ])
    expect(await parseThresholdsYaml('loss: {max: 1, max-regression: 0}', 'x')).toEqual([
      { metric: 'loss', max: 1, better: 'lower', maxRegression: { kind: 'absolute', amount: 0 } }
    ])
    expect(await parseThresholdsYaml('', 'x')).toEqual([])
    expect(await parseThresholdsYaml('# nothing yet', 'x')).toEqual([])
  })

  test('points at each offending key, all at once', async () => {
    expect(
      await problems(`accuracy:
  min: high
  max-regression: two percent
  better: up
latency:
  maximum: 50
recall: 0.9
f1: {}
auc: {min: 0.9, max: 0.8}
loss: {max-regression: 0.1}
`)
    ).toEqual([
      'thresholds.accuracy.min: "high" is not a number',
      'thresholds.accuracy.better: "up" is not higher or lower',
      'thresholds.accuracy.max-regression: "two percent" is not a number or a percentage like "2%"',
      'thresholds.latency.maximum: unknown key; the keys are min, max, better, max-regression',
      'thresholds.recall: 0.9 is not a map of min, max, better and max-regression',
      'thresholds.f1: sets no bound; give min, max or max-regression',
      'thresholds.auc: min (0.9) is greater than max (0.8)',
      'thresholds.loss.better: needed with max-regression, to know which change is worse (higher or lower)'
    ])
  })

  test.each([
    ['max_regression', 'max-regression'],
    ['maxRegression', 'max-regression'],
    ['max-regresion', 'max-regression'],
    ['mim', 'min'],
    ['Better', 'better'],
    ['betterr', 'better']
  ])('suggests the right spelling of %s', async (key, meant) => {
    expect(await problems(`accuracy: {min: 0.9, better: higher, ${key}: 0.01}`)).toContain(
      `thresholds.accuracy.${key}: unknown key (did you mean ${meant}?)`
    )
  })

  test('refuses a negative allowance and names the input in the message', async () => {
    expect(await problems('a: {min: 0, max-regression: -0.1}')).toEqual([
      'thresholds.a.max-regression: -0.1 is negative; it is the worsening allowed, 0 or more'
    ])
    await expect(parseThresholdsYaml('a: {min: x}', 'input "thresholds"')).rejects.toThrow(
      'The thresholds in input "thresholds" are not valid:\n- thresholds.a.min: "x" is not a number'
    )
  })

  test('YAML that does not parse, or is not a map, is refused', async () => {
    expect((await problems('accuracy: [min: 0.9'))[0]).toMatch(/^not valid YAML: /)
    expect(await problems('- accuracy')).toEqual([
      'thresholds must be a map of metric names, like "accuracy: {min: 0.9}"; got a list'
    ])
  })

  test.each([
    [0.01, { kind: 'absolute', amount: 0.01 }],
    ['0.01', { kind: 'absolute', amount: 0.01 }],
    ['2%', { kind: 'percent', percent: 2 }],
    [' 2.5 % ', { kind: 'percent', percent: 2.5 }],
    ['two percent', undefined],
    ['-2%', undefined],
    ['2%%', undefined],
    [true, undefined],
    [Number.NaN, undefined]
  ])('allowance %j reads as %j', (value, expected) => {
    expect(parseAllowance(value)).toEqual(expected)
  })
})
