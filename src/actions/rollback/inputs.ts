import { InputError } from '../../lib/errors.js'
import type { RollbackTarget } from '../../lib/helm/rollback.js'
import { parseRollbackTarget } from '../../lib/helm/rollback.js'
import { readHelmStepInputs, type HelmStepInputs } from '../common/helm-inputs.js'
import { actionInputs } from '../common/runtime.js'

export interface RollbackInputs extends HelmStepInputs {
  release: string
  namespace: string
  target: RollbackTarget
  targetText: string
  reason: string
  wait: boolean
  timeoutMs: number
  dryRun: boolean
}

export function getInputs(): RollbackInputs {
  const inputs = actionInputs()
  // Secrets first: masked before anything else can log.
  const shared = readHelmStepInputs(inputs)

  const targetText = inputs.string('target', { fallback: 'previous' })
  const target = parseRollbackTarget(targetText)
  if (!target)
    throw new InputError(
      'target',
      targetText,
      'previous, last-good, a revision number such as 7, or a version such as v1.2.3'
    )
  const reason = inputs.string('reason')
  if (reason.length > 500) throw new InputError('reason', reason, 'at most 500 characters')
  return {
    release: inputs.release('release', { required: true }),
    namespace: inputs.namespace('namespace', 'default'),
    target,
    targetText,
    reason,
    wait: inputs.bool('wait', true),
    timeoutMs: inputs.duration('timeout', '5m', { minMs: 1000, maxMs: 24 * 3_600_000 }),
    dryRun: inputs.bool('dry-run', false),
    ...shared
  }
}
