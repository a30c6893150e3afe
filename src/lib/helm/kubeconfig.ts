import { randomBytes } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { UserError } from '../errors.js'

const SECRET_KEYS = new Set([
  'token',
  'password',
  'client-key-data',
  'client-certificate-data',
  'id-token',
  'refresh-token',
  'access-token',
  'client-secret'
])

/**
 * The parts of a kubeconfig that are secret, each masked on its own: the runner masks a
 * multi-line secret line by line at best, and a token must never show even when quoted alone.
 * Read structurally (YAML, and so JSON, which kubectl and Helm accept too): the users' tokens,
 * passwords, keys, auth-provider tokens, and every `env` value of an exec credential plugin
 * (AWS_SECRET_ACCESS_KEY and the like). A text that does not parse is scanned line by line.
 */
export function kubeconfigSecrets(text: string): string[] {
  const secrets = new Set<string>()
  let document: unknown
  try {
    document = parseYaml(text)
  } catch {
    document = undefined
  }
  if (document && typeof document === 'object') collectSecrets(document, secrets)
  const keyed =
    /^\s*-?\s*"?(token|password|client-key-data|client-certificate-data|id-token|refresh-token|access-token|client-secret)"?\s*:\s*["']?([^"'\s,]+)["']?\s*,?\s*$/
  for (const line of text.split(/\r?\n/)) {
    const match = keyed.exec(line)
    if (match?.[2]) secrets.add(match[2])
  }
  return [...secrets].filter(s => s.length >= 6)
}

function collectSecrets(node: unknown, secrets: Set<string>, key = ''): void {
  if (Array.isArray(node)) {
    for (const item of node) collectSecrets(item, secrets, key)
    return
  }
  if (!node || typeof node !== 'object') {
    if (SECRET_KEYS.has(key) && (typeof node === 'string' || typeof node === 'number'))
      secrets.add(String(node))
    return
  }
  const record = node as Record<string, unknown>
  // An exec plugin's env: a list of {name, value}; every value may be a credential.
  if (key === 'env' && typeof record.value === 'string') secrets.add(record.value)
  for (const [child, value] of Object.entries(record)) {
    if (key === 'env' && child === 'value') continue
    collectSecrets(value, secrets, child)
  }
}

/** Writes the kubeconfig input to a private file (0600) under RUNNER_TEMP, for KUBECONFIG. */
export async function writeKubeconfig(runnerTemp: string, text: string): Promise<string> {
  if (!runnerTemp)
    throw new UserError(
      'RUNNER_TEMP is not set: the kubeconfig input needs the runner temp directory.'
    )
  if (!/(^|\n|\{|,)\s*"?(apiVersion|clusters|kind)"?\s*:/.test(text)) {
    throw new UserError(
      'Input "kubeconfig" does not look like a kubeconfig (no apiVersion, kind or clusters key); give the file\'s contents, not its path.'
    )
  }
  const path = join(runnerTemp, `mlops-kubeconfig-${randomBytes(8).toString('hex')}`)
  await writeFile(path, text, { mode: 0o600 })
  return path
}

export async function removeKubeconfig(path: string): Promise<void> {
  // Only files this action wrote: a path from elsewhere is never deleted.
  if (!/\/mlops-kubeconfig-[0-9a-f]{16}$/.test(path)) return
  await rm(path, { force: true })
}

/**
 * The environment Helm runs in: the runner's, with our kubeconfig when one was given; otherwise
 * the runner's own KUBECONFIG, or ~/.kube/config, which Helm reads by itself.
 */
export function helmEnvironment(
  env: NodeJS.ProcessEnv,
  kubeconfigPath: string | undefined
): NodeJS.ProcessEnv {
  return kubeconfigPath ? { ...env, KUBECONFIG: kubeconfigPath } : env
}
