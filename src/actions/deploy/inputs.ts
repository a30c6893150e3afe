import { InputError } from '../../lib/errors.js'
import { actionInputs } from '../common/runtime.js'
import { readCanaryGateInputs, type CanaryGateInputs } from '../canary-gate/inputs.js'
import { readDeployHelmInputs, type DeployHelmInputs } from '../deploy-helm/inputs.js'

export interface DeployInputs {
  deploy: DeployHelmInputs
  /** The canary analysis: read when the deploy is a progressive canary. */
  gate?: CanaryGateInputs
  /** Traffic weights of the progressive steps, increasing. */
  stepWeights: number[]
}

/**
 * The front door's inputs are deploy-helm's and canary-gate's, read with the same rules, plus
 * `step-weights`. Everything is validated before Helm or Prometheus is asked anything.
 */
export async function getInputs(): Promise<DeployInputs> {
  const inputs = actionInputs()
  const deploy = await readDeployHelmInputs(inputs)
  const progressive = deploy.strategy === 'canary' && deploy.action === 'deploy'
  const stepWeights = parseStepWeights(inputs.raw('step-weights'), deploy.canaryWeight)
  return {
    deploy,
    stepWeights,
    ...(progressive ? { gate: await readCanaryGateInputs(inputs) } : {})
  }
}

function parseStepWeights(text: string, single: number): number[] {
  const accepted = 'increasing whole-number percentages from 1 to 100, e.g. 10,25,50'
  const items = text
    .split(/[\s,]+/)
    .map(item => item.trim().replace(/%$/, ''))
    .filter(Boolean)
  if (items.length === 0) return [single]
  const weights = items.map(item => (/^\d+$/.test(item) ? Number(item) : NaN))
  if (weights.some((w, i) => !(w >= 1 && w <= 100) || (i > 0 && w <= (weights[i - 1] as number)))) {
    throw new InputError('step-weights', text, accepted)
  }
  return weights
}
