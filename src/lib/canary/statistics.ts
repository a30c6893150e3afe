/**
 * The few statistics the canary judge needs, written out so that each is small, dependency-free
 * and checked against SciPy's values in test/lib/canary/statistics.test.ts. The JavaScript
 * statistics packages do not fit: simple-statistics computes the rank-sum statistic without a
 * p-value, and jStat has no Mann-Whitney test at all.
 */

/** Which alternative hypothesis a test is for: `greater` means "x tends to be larger than y". */
export type Alternative = 'greater' | 'less' | 'two-sided'

export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, plus half of the tied pairs. */
  u: number
  pValue: number
  method: 'exact' | 'normal'
}

/** Exact enumeration is used up to this size per sample (and only without ties). */
const EXACT_MAX = 20

/**
 * Mann-Whitney U test (Wilcoxon rank-sum) of x against y. Without ties and with both samples of
 * at most 20 values the p-value is exact (the permutation distribution of U); otherwise it is the
 * normal approximation with the tie-corrected variance and a continuity correction, as
 * `scipy.stats.mannwhitneyu(method='auto')` computes it.
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  alternative: Alternative
): MannWhitneyResult {
  const n1 = x.length
  const n2 = y.length
  if (n1 === 0 || n2 === 0)
    throw new RangeError('Mann-Whitney U needs at least one value in each sample')
  const { ranks, tieTerm } = rank([...x, ...y])
  let rankSum = 0
  for (let i = 0; i < n1; i++) rankSum += ranks[i] as number
  const u = rankSum - (n1 * (n1 + 1)) / 2
  if (tieTerm === 0 && n1 <= EXACT_MAX && n2 <= EXACT_MAX) {
    return { u, pValue: exactPValue(u, n1, n2, alternative), method: 'exact' }
  }
  const n = n1 + n2
  const mean = (n1 * n2) / 2
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)))
  if (variance <= 0) return { u, pValue: 1, method: 'normal' }
  const sd = Math.sqrt(variance)
  const upper = normalSf((u - mean - 0.5) / sd)
  const lower = normalCdf((u - mean + 0.5) / sd)
  const pValue =
    alternative === 'greater'
      ? upper
      : alternative === 'less'
        ? lower
        : Math.min(1, 2 * Math.min(upper, lower))
  return { u, pValue: Math.min(1, pValue), method: 'normal' }
}

/** Average ranks (1-based) and the tie term sum(t^3 - t) over groups of equal values. */
function rank(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value)
  const ranks = new Array<number>(values.length)
  let tieTerm = 0
  for (let start = 0; start < order.length;) {
    let end = start
    while (
      end + 1 < order.length &&
      (order[end + 1] as { value: number }).value === (order[start] as { value: number }).value
    )
      end++
    const average = (start + end) / 2 + 1
    for (let k = start; k <= end; k++) ranks[(order[k] as { index: number }).index] = average
    const t = end - start + 1
    tieTerm += t * t * t - t
    start = end + 1
  }
  return { ranks, tieTerm }
}

const exactCache = new Map<string, number[]>()

/** Counts of each U value over all C(n1+n2, n1) arrangements: f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u). */
function uFrequencies(n1: number, n2: number): number[] {
  const key = `${n1},${n2}`
  const cached = exactCache.get(key)
  if (cached) return cached
  // table[m] holds the frequencies for (m, j) as j grows from 0 to n2.
  let previous: number[][] = Array.from({ length: n1 + 1 }, () => [1])
  for (let j = 1; j <= n2; j++) {
    const current: number[][] = [[1]]
    for (let m = 1; m <= n1; m++) {
      const size = m * j + 1
      const counts = new Array<number>(size).fill(0)
      // The largest value is either an x, which beats all j values of y, or a y, which beats none.
      const withoutX = current[m - 1] as number[]
      const withoutY = previous[m] as number[]
      for (let u = 0; u < size; u++) {
        const a = u - j >= 0 ? (withoutX[u - j] ?? 0) : 0
        const b = withoutY[u] ?? 0
        counts[u] = a + b
      }
      current.push(counts)
    }
    previous = current
  }
  const result = previous[n1] as number[]
  exactCache.set(key, result)
  return result
}

function exactPValue(u: number, n1: number, n2: number, alternative: Alternative): number {
  const counts = uFrequencies(n1, n2)
  let total = 0
  for (const c of counts) total += c
  const uInt = Math.round(u)
  let atLeast = 0
  let atMost = 0
  for (let k = 0; k < counts.length; k++) {
    if (k >= uInt) atLeast += counts[k] as number
    if (k <= uInt) atMost += counts[k] as number
  }
  const upper = atLeast / total
  const lower = atMost / total
  if (alternative === 'greater') return upper
  if (alternative === 'less') return lower
  return Math.min(1, 2 * Math.min(upper, lower))
}

/** Complementary error function (Numerical Recipes' erfcc, relative error below 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    )
  return x >= 0 ? r : 2 - r
}

export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2)
}

/** Upper tail P(Z > z), computed directly so that small tail probabilities keep their precision. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2)
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to about 15 digits for x > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const xm = x - 1
  let a = c[0] as number
  const t = xm + 7.5
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (xm + i)
  return 0.5 * Math.log(2 * Math.PI) + (xm + 0.5) * Math.log(t) - t + Math.log(a)
}

/** Regularized upper incomplete gamma Q(a, x): series below a + 1, continued fraction above. */
function upperGamma(a: number, x: number): number {
  if (x <= 0) return 1
  const lead = -x + a * Math.log(x) - logGamma(a)
  if (x < a + 1) {
    let sum = 1 / a
    let term = sum
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n)
      sum += term
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break
    }
    return 1 - sum * Math.exp(lead)
  }
  // Lentz's method for the continued fraction of Q.
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-15) break
  }
  return Math.exp(lead) * h
}

/** P(X > statistic) for a chi-square distribution with `degrees` degrees of freedom. */
export function chiSquareSf(statistic: number, degrees: number): number {
  if (degrees <= 0) return 1
  return Math.min(1, Math.max(0, upperGamma(degrees / 2, statistic / 2)))
}

export function mean(values: readonly number[]): number {
  let sum = 0
  for (const v of values) sum += v
  return sum / values.length
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
