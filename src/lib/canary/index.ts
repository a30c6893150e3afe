// The canary gate's library, in one import for the action: parse the metrics, run the analysis.
export {
  parseMetricSpecs,
  MetricSpecError,
  DEFAULT_TOLERANCE,
  DEFAULT_DRIFT_PSI
} from './metric-spec.js'
export type {
  MetricSpec,
  ValueMetricSpec,
  DriftMetricSpec,
  RatioMetricSpec,
  Direction
} from './metric-spec.js'
export { runAnalysis, DEFAULT_CONSECUTIVE_ERROR_LIMIT } from './analysis.js'
export type { AnalysisOptions, AnalysisResult, NoDataPolicy } from './analysis.js'
export { parseAlertNames, firingAlertsQuery, describeAlert } from './alerts.js'
export { DEFAULT_SIGNIFICANCE } from './judge.js'
export * from './report.js'
