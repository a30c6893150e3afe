import { chiSquareHomogeneity, populationStabilityIndex } from '../../../src/lib/canary/drift.js'
import {
  chiSquareSf,
  mannWhitneyU,
  normalCdf,
  normalSf
} from '../../../src/lib/canary/statistics.js'

// Reference values from SciPy 1.10 (scipy.stats.mannwhitneyu with method='auto', chi2.sf,
// chi2_contingency(correction=False)), computed on this machine with /usr/bin/python3.
describe('mannWhitneyU', () => {
  it.each([
    ['greater', 0.031746031746031744],
    ['less', 0.9841269841269842],
    ['two-sided', 0.06349206349206349]
  ] as const)('gives the exact p-value without ties (%s)', (alternative, p) => {
    const result = mannWhitneyU([1.1, 2.3, 3.5, 4.2, 5.0], [0.5, 0.9, 1.7, 2.0], alternative)
    expect(result.u).toBe(18)
    expect(result.method).toBe('exact')
    expect(result.pValue).toBeCloseTo(p, 12)
  })

  it('gives the exact p-value of a second textbook sample', () => {
    const result = mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12], 'greater')
    expect(result.u).toBe(17)
    expect(result.pValue).toBeCloseTo(0.05555555555555555, 12)
  })

  it.each([
    ['greater', 0.9907889372729505],
    ['less', 0.012572380586678684],
    ['two-sided', 0.025144761173357368]
  ] as const)('uses the tie-corrected normal approximation with ties (%s)', (alternative, p) => {
    const result = mannWhitneyU([1, 2, 2, 3, 3, 3, 4], [2, 3, 4, 4, 5, 5, 6, 6], alternative)
    expect(result.u).toBe(8.5)
    expect(result.method).toBe('normal')
    expect(result.pValue).toBeCloseTo(p, 6)
  })

  it.each([
    ['greater', 0.8990545683650544],
    ['less', 0.10396463624082208],
    ['two-sided', 0.20792927248164417]
  ] as const)('uses the normal approximation for large samples (%s)', (alternative, p) => {
    const x = Array.from({ length: 30 }, (_, i) => i + 1)
    const y = Array.from({ length: 25 }, (_, i) => i + 6.5)
    const result = mannWhitneyU(x, y, alternative)
    expect(result.u).toBe(300)
    expect(result.method).toBe('normal')
    expect(result.pValue).toBeCloseTo(p, 6)
  })

  it('gives p = 1 (no evidence) when every value is equal', () => {
    expect(mannWhitneyU([1, 1, 1], [1, 1, 1, 1], 'greater').pValue).toBe(1)
  })

  it('refuses an empty sample', () => {
    expect(() => mannWhitneyU([], [1], 'greater')).toThrow(RangeError)
  })
})

describe('distributions', () => {
  it('computes normal tails', () => {
    expect(normalSf(3)).toBeCloseTo(0.0013498980316300933, 8)
    expect(normalCdf(-1.5)).toBeCloseTo(0.06680720126885807, 7)
  })

  it.each([
    [3.84, 1, 0.05004352124870519],
    [10, 5, 0.07523524614651217],
    [50, 20, 0.0002214766382487835],
    [0.5, 3, 0.9188914116546758]
  ])('computes chi-square tails: P(X > %d), %d degrees', (statistic, degrees, p) => {
    expect(chiSquareSf(statistic, degrees)).toBeCloseTo(p, 10)
  })

  it('tests homogeneity of two count vectors as chi2_contingency does', () => {
    const result = chiSquareHomogeneity([10, 20, 30, 40], [15, 25, 25, 35])
    expect(result.statistic).toBeCloseTo(2.3434343434343434, 10)
    expect(result.degrees).toBe(3)
    expect(result.pValue).toBeCloseTo(0.5042511431936056, 8)
  })

  it('computes the population stability index', () => {
    expect(populationStabilityIndex([10, 20, 30, 40], [15, 25, 25, 35])).toBeCloseTo(
      0.04722308044204257,
      12
    )
    expect(populationStabilityIndex([5, 5], [5, 5])).toBe(0)
  })
})
