import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  conditionalRateTest,
  mannWhitneyU,
  usesExactTest
} from '../../../src/lib/canary/statistics.js'

// SciPy's answers, recorded by fixtures/record-scipy.py (its header says how): exact and
// asymptotic Mann-Whitney paths, ties, unbalanced sizes, infinities, and the exact rate test.
interface MannWhitneyCase {
  x: (number | '+Inf' | '-Inf')[]
  y: (number | '+Inf' | '-Inf')[]
  method: 'exact' | 'normal'
  u: number
  greater: number
  less: number
  'two-sided': number
}
interface RateCase {
  errors1: number
  total1: number
  errors2: number
  total2: number
  greater: number
  less: number
}
const reference = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'scipy-reference.json'), 'utf8')
) as { scipy: string; mannWhitney: MannWhitneyCase[]; rateTest: RateCase[] }

const decode = (values: MannWhitneyCase['x']): number[] =>
  values.map(v => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : v))

describe(`mannWhitneyU against SciPy ${reference.scipy}`, () => {
  it('covers both paths, ties, unbalanced sizes and infinities', () => {
    const methods = new Set(reference.mannWhitney.map(c => c.method))
    expect(methods).toEqual(new Set(['exact', 'normal']))
    expect(reference.mannWhitney.some(c => c.x.includes('+Inf'))).toBe(true)
    expect(reference.mannWhitney.some(c => c.x.length * 10 <= c.y.length)).toBe(true)
  })

  it.each(reference.mannWhitney.map((c, i) => [i, c.x.length, c.y.length, c.method, c] as const))(
    'case %i (%i vs %i values, %s)',
    (_, __, ___, method, c) => {
      for (const alternative of ['greater', 'less', 'two-sided'] as const) {
        const result = mannWhitneyU(decode(c.x), decode(c.y), alternative)
        expect(result.method).toBe(method)
        expect(result.u).toBe(c.u)
        // Exact p-values to rounding; the normal path within erfc's 1.2e-7 relative error.
        const tolerance = method === 'exact' ? 1e-12 : 2e-7 * Math.max(c[alternative], 1e-3)
        expect(Math.abs(result.pValue - c[alternative])).toBeLessThanOrEqual(tolerance)
      }
    }
  )

  it('chooses the exact path as the doc comment says', () => {
    expect(usesExactTest(8, 400, false)).toBe(true)
    expect(usesExactTest(20, 20, false)).toBe(true)
    expect(usesExactTest(21, 20, false)).toBe(false)
    expect(usesExactTest(5, 5, true)).toBe(false)
  })
})

describe(`conditionalRateTest against SciPy's binomtest ${reference.scipy}`, () => {
  it.each(reference.rateTest.map(c => [c.errors1, c.total1, c.errors2, c.total2, c] as const))(
    '%i of %i against %i of %i',
    (errors1, total1, errors2, total2, c) => {
      for (const alternative of ['greater', 'less'] as const) {
        const result = conditionalRateTest(errors1, total1, errors2, total2, alternative)
        expect(Math.abs(result.pValue - c[alternative])).toBeLessThanOrEqual(
          1e-10 * Math.max(1, c[alternative])
        )
      }
    }
  )
})
