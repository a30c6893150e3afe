import { writeFileSync } from 'node:fs'

export interface KubeconfigOptions {
  namespace?: string
  /** PEM of the CA that signed the server certificate (HTTPS only). */
  certificateAuthority?: string
  /** A bearer token; client-go sends it only over HTTPS. */
  token?: string
}

/** A kubeconfig for the simulator, with one cluster, user and context, all named `k8s-sim`. */
export function kubeconfigText(url: string, options: KubeconfigOptions = {}): string {
  const ca = options.certificateAuthority
    ? [
        `      certificate-authority-data: ${Buffer.from(options.certificateAuthority).toString('base64')}`
      ]
    : []
  const user = options.token ? ['    user:', `      token: ${options.token}`] : ['    user: {}']
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: k8s-sim',
    '    cluster:',
    `      server: ${url}`,
    ...ca,
    'users:',
    '  - name: k8s-sim',
    ...user,
    'contexts:',
    '  - name: k8s-sim',
    '    context:',
    '      cluster: k8s-sim',
    '      user: k8s-sim',
    `      namespace: ${options.namespace ?? 'default'}`,
    'current-context: k8s-sim',
    ''
  ].join('\n')
}

/** Mode 0600: Helm warns about group-readable kubeconfigs. */
export function writeKubeconfigFile(
  path: string,
  url: string,
  options?: KubeconfigOptions
): string {
  writeFileSync(path, kubeconfigText(url, options), { mode: 0o600 })
  return path
}
