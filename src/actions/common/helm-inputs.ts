import type { ImageValueNames } from '../../lib/helm/deploy.js'
import { kubeconfigSecrets } from '../../lib/helm/kubeconfig.js'
import type { InputReader } from '../../lib/inputs.js'

/** Inputs deploy-helm, rollback and the front door share, read with the same rules. */
export interface HelmStepInputs {
  environment: string
  environmentUrl: string
  imageValues: ImageValueNames
  kubeconfig: string
  githubToken: string
  helmPath: string
  auditFile: string
}

/** A value that reaches a program as an argument must not read as an option. */
export const NOT_AN_OPTION = /^(?!-)[^\n\r]+$/
const VALUE_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/
const ENVIRONMENT = /^[^\n\r'"`<>]{1,255}$/
const URL = /^https?:\/\/[^\s]+$/

/** Reads the shared inputs; the secrets among them are masked before anything can log them. */
export function readHelmStepInputs(inputs: InputReader): HelmStepInputs {
  const githubToken = inputs.secret('github-token')
  const kubeconfig = inputs.secret('kubeconfig', { parts: kubeconfigSecrets })
  return {
    githubToken,
    kubeconfig,
    environment: inputs.matching(
      'environment',
      ENVIRONMENT,
      'a GitHub environment name such as staging (at most 255 characters, no quotes)'
    ),
    environmentUrl: inputs.matching('environment-url', URL, 'an http:// or https:// URL'),
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
