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

/**
 * The exact permutation distribution is used without ties when the smaller sample has at most 8
 * values (SciPy's `method='auto'` rule) or both have at most 20; its table has n1 * n2 + 1 entries
 * per size, so the product is bounded to keep a decision under a millisecond.
 */
const EXACT_SMALL_SAMPLE = 8
const EXACT_BOTH_SAMPLES = 20
const EXACT_MAX_PAIRS = 4000

/**
 * Mann-Whitney U test (Wilcoxon rank-sum) of x against y. Infinite values take part in the
 * ranking (+Inf ranks above every finite value, as the worst latency there is must); NaN has no
 * rank and is refused, so a caller drops and counts it first. The p-value is exact (the
 * permutation distribution of U) without ties when `usesExactTest` says so, and otherwise the
 * normal approximation with the tie-corrected variance and a continuity correction. Both paths
 * match `scipy.stats.mannwhitneyu` (`method='exact'` and `method='asymptotic'`), checked against
 * recorded SciPy values in test/lib/canary/scipy-reference.test.ts.
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
  if (x.some(Number.isNaN) || y.some(Number.isNaN))
    throw new RangeError('Mann-Whitney U cannot rank NaN; drop NaN values before the test')
  const { ranks, tieTerm } = rank([...x, ...y])
  let rankSum = 0
  for (let i = 0; i < n1; i++) rankSum += ranks[i] as number
  const u = rankSum - (n1 * (n1 + 1)) / 2
  if (usesExactTest(n1, n2, tieTerm > 0)) {
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

export function usesExactTest(n1: number, n2: number, ties: boolean): boolean {
  if (ties || n1 * n2 > EXACT_MAX_PAIRS) return false
  return Math.min(n1, n2) <= EXACT_SMALL_SAMPLE || Math.max(n1, n2) <= EXACT_BOTH_SAMPLES
}

/**
 * The smallest p-value a rank test of samples of these sizes can give: every canary value beyond
 * every baseline value, 1 / C(n1 + n2, n1) one-sided, twice that two-sided. Ties and the normal
 * approximation only give larger ones. When it is not below the significance level, no data can
 * make the comparison significant, so the comparison has not judged anything.
 */
export function smallestPValue(n1: number, n2: number, alternative: Alternative): number {
  if (n1 === 0 || n2 === 0) return 1
  const oneSided = 1 / choose(n1 + n2, n1)
  return Math.min(1, alternative === 'two-sided' ? 2 * oneSided : oneSided)
}

/** Points needed on each side (equal sizes) for the rank test to be able to reach `significance`. */
export function pointsNeeded(alternative: Alternative, significance: number): number {
  let n = 1
  while (smallestPValue(n, n, alternative) >= significance) n++
  return n
}

/** C(n, k), exact while it stays below 2^53 (each partial product is itself a binomial coefficient). */
function choose(n: number, k: number): number {
  let result = 1
  for (let i = 1; i <= Math.min(k, n - k); i++) result = (result * (n - Math.min(k, n - k) + i)) / i
  return result
}

/** a - b with equal values (also two equal infinities) giving 0 rather than NaN. */
function difference(a: number, b: number): number {
  return a === b ? 0 : a - b
}

/**
 * The Hodges-Lehmann estimate of the shift between x and y: the median of all pairwise
 * differences x[i] - y[j]. It is the effect size that belongs to the rank test (it moves exactly
 * when the ranks do), unlike the difference of means, which one burst can carry either way.
 */
export function hodgesLehmannShift(x: readonly number[], y: readonly number[]): number {
  const differences: number[] = []
  for (const a of x) for (const b of y) differences.push(difference(a, b))
  return median(differences)
}

/**
 * The conditional exact test of two Poisson rates (or two proportions with few events): given
 * `errors1` events over exposure `total1` and `errors2` over `total2`, under equal rates the first
 * side's share of the N = errors1 + errors2 events is Binomial(N, total1 / (total1 + total2)).
 * This is the uniformly most powerful unbiased test for comparing two rates from counts, so it is
 * as strong as the data allow. Counts are rounded to whole events (PromQL's `increase()`
 * extrapolates to fractions). `greater` asks whether the first rate is higher.
 */
export interface RateTestResult {
  pValue: number
  /** The smallest p-value these totals could give, with every event on the bad side. */
  smallestPValue: number
  events: number
}

export function conditionalRateTest(
  errors1: number,
  total1: number,
  errors2: number,
  total2: number,
  alternative: Alternative
): RateTestResult {
  for (const [name, value] of [
    ['errors1', errors1],
    ['total1', total1],
    ['errors2', errors2],
    ['total2', total2]
  ] as const) {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`the rate test needs finite counts of at least 0; ${name} is ${value}`)
  }
  if (total1 <= 0 || total2 <= 0)
    throw new RangeError('the rate test needs a positive total on both sides')
  const k = Math.round(errors1)
  const n = k + Math.round(errors2)
  if (n === 0) return { pValue: 1, smallestPValue: 1, events: 0 }
  const share = total1 / (total1 + total2)
  const upper = binomialAtLeast(k, n, share)
  const lower = 1 - binomialAtLeast(k + 1, n, share)
  const extremeUpper = Math.pow(share, n)
  const extremeLower = Math.pow(1 - share, n)
  const pick = (up: number, low: number): number =>
    alternative === 'greater'
      ? up
      : alternative === 'less'
        ? low
        : Math.min(1, 2 * Math.min(up, low))
  return {
    pValue: Math.min(1, Math.max(0, pick(upper, lower))),
    smallestPValue: Math.min(
      1,
      alternative === 'two-sided'
        ? 2 * Math.min(extremeUpper, extremeLower)
        : pick(extremeUpper, extremeLower)
    ),
    events: n
  }
}

/** P(X >= k) for X ~ Binomial(n, p), through the regularized incomplete beta I_p(k, n - k + 1). */
export function binomialAtLeast(k: number, n: number, p: number): number {
  if (k <= 0) return 1
  if (k > n) return 0
  return regularizedBeta(p, k, n - k + 1)
}

/** I_x(a, b) by the continued fraction (Numerical Recipes' betacf), to about 1e-15. */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const lnFront =
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x)
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaFraction(x, a, b)) / a
  return 1 - (Math.exp(lnFront) * betaFraction(1 - x, b, a)) / b
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300
  const qab = a + b
  const qap = a + 1
  const qam = a - 1
  let c = 1
  let d = 1 - (qab * x) / qap
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let h = d
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-15) break
  }
  return h
}

/** Orders numbers with the infinities at the ends (subtraction gives NaN for two of them). */
export function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Average ranks (1-based) and the tie term sum(t^3 - t) over groups of equal values. */
function rank(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values
    .map((value, index) => ({ value, index }))
    .sort((a, b) => compareNumbers(a.value, b.value))
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
  const sorted = [...values].sort(compareNumbers)
  const mid = sorted.length >> 1
  if (sorted.length % 2) return sorted[mid] as number
  const low = sorted[mid - 1] as number
  const high = sorted[mid] as number
  // Equal middles (two equal infinities too) are that value; -Inf and +Inf meet in the middle.
  if (low === high) return low
  if (low === -Infinity && high === Infinity) return 0
  return (low + high) / 2
}
