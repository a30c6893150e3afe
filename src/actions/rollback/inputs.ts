import * as core from '@actions/core'
import { InputError } from '../../lib/errors.js'
import type { ImageValueNames } from '../../lib/helm/deploy.js'
import { kubeconfigSecrets } from '../../lib/helm/kubeconfig.js'
import type { RollbackTarget } from '../../lib/helm/rollback.js'
import { parseRollbackTarget } from '../../lib/helm/rollback.js'
import { actionInputs } from '../common/runtime.js'

export interface RollbackInputs {
  release: string
  namespace: string
  environment: string
  environmentUrl: string
  target: RollbackTarget
  targetText: string
  reason: string
  wait: boolean
  timeoutMs: number
  dryRun: boolean
  imageValues: ImageValueNames
  kubeconfig: string
  githubToken: string
  helmPath: string
  auditFile: string
}

const NOT_AN_OPTION = /^(?!-)[^\n\r]+$/
const VALUE_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/
const ENVIRONMENT = /^[^\n\r'"`<>]{1,255}$/
const URL = /^https?:\/\/[^\s]+$/

export function getInputs(): RollbackInputs {
  const inputs = actionInputs()
  // Secrets first: masked before anything else can log.
  const githubToken = inputs.string('github-token')
  if (githubToken) core.setSecret(githubToken)
  const kubeconfig = inputs.string('kubeconfig')
  for (const secret of kubeconfigSecrets(kubeconfig)) core.setSecret(secret)

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
    environment: inputs.matching(
      'environment',
      ENVIRONMENT,
      'a GitHub environment name such as prod (at most 255 characters, no quotes)'
    ),
    environmentUrl: inputs.matching('environment-url', URL, 'an http:// or https:// URL'),
    target,
    targetText,
    reason,
    wait: inputs.bool('wait', true),
    timeoutMs: inputs.duration('timeout', '5m', { minMs: 1000, maxMs: 24 * 3_600_000 }),
    dryRun: inputs.bool('dry-run', false),
    imageValues: {
      repository: inputs.matching(
        'image-repository-value',
        VALUE_NAME,
        'a value path such as image.repository',
        'image.repository'
      ),
      digest: inputs.matching(
        'image-digest-value',
        VALUE_NAME,
        'a value path such as image.digest',
        'image.digest'
      )
    },
    kubeconfig,
    githubToken,
    helmPath: inputs.matching(
      'helm-path',
      NOT_AN_OPTION,
      'helm, or the path of a Helm 3 or 4 binary',
      'helm'
    ),
    auditFile: inputs.matching(
      'audit-file',
      NOT_AN_OPTION,
      'a file path for JSON Lines audit records'
    )
  }
}
