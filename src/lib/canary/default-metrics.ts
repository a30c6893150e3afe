import { parse } from 'yaml'
import { parseMetricSpecs, type MetricSpec } from './metric-spec.js'

/**
 * The metrics a gate watches when it is given none: the conventions the example chart and
 * serving program follow (docs/ADOPTING.md), so that the quick start reaches prod without a
 * metrics file. Pods carry a `track` label (`stable` or `canary`); the server exports
 * `http_requests_total` (with `code`), the `http_request_duration_seconds` histogram and the
 * `model_prediction_score` histogram of its predictions.
 *
 * - error-rate: 5xx responses over all responses, judged on the counts of the whole window
 *   (kind: ratio), absolute bound 5%, against the baseline; critical.
 * - latency-p95: the 95th percentile per interval against the baseline (+20% allowed).
 * - prediction-drift: the prediction-score distribution against the baseline's.
 */
export const DEFAULT_METRICS_YAML = `- name: error-rate
  kind: ratio
  errors: sum(increase(http_requests_total{ {{selector}}, code=~"5.." }[{{window}}]))
  total: sum(increase(http_requests_total{ {{selector}} }[{{window}}]))
  max: 0.05
  compare: baseline
  critical: true
- name: latency-p95
  query: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{ {{selector}} }[{{interval}}])))
  compare: baseline
  direction: increase
  tolerance: 0.2
- name: prediction-drift
  kind: drift
  histogram: model_prediction_score
`

export function defaultMetricSpecs(): MetricSpec[] {
  return parseMetricSpecs(parse(DEFAULT_METRICS_YAML), 'metrics (the default set)')
}
