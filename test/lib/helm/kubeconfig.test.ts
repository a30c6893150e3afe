import { describe, expect, test } from '@jest/globals'
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { environmentKind } from '../../../src/lib/github/deployments.js'
import {
  helmEnvironment,
  kubeconfigSecrets,
  removeKubeconfig,
  writeKubeconfig
} from '../../../src/lib/helm/kubeconfig.js'

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: prod
    cluster:
      server: https://k8s.example.com
      certificate-authority-data: Q0FDQUNBQ0E=
users:
  - name: deployer
    user:
      token: "eyJhbGciOiJSUzI1NiJ9.secret-token"
      client-key-data: S0VZS0VZS0VZ
contexts:
  - name: prod
    context: { cluster: prod, user: deployer }
current-context: prod
`

describe('kubeconfig input', () => {
  test('the whole text and every credential in it are masked, not the public parts', () => {
    const secrets = kubeconfigSecrets(KUBECONFIG)
    expect(secrets).toEqual([
      KUBECONFIG.trim(),
      'eyJhbGciOiJSUzI1NiJ9.secret-token',
      'S0VZS0VZS0VZ'
    ])
  })

  test('written 0600 under RUNNER_TEMP, used through KUBECONFIG, removed only if ours', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'runner-temp-'))
    const path = await writeKubeconfig(temp, KUBECONFIG)
    expect(path.startsWith(temp)).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(helmEnvironment({ PATH: '/bin' }, path)).toEqual({ PATH: '/bin', KUBECONFIG: path })
    expect(helmEnvironment({ KUBECONFIG: '/home/me/.kube/config' }, undefined)).toEqual({
      KUBECONFIG: '/home/me/.kube/config'
    })
    const foreign = join(temp, 'config')
    writeFileSync(foreign, 'x')
    await removeKubeconfig(foreign)
    expect(existsSync(foreign)).toBe(true)
    await removeKubeconfig(path)
    expect(existsSync(path)).toBe(false)
  })

  test('a path given instead of contents is refused', async () => {
    await expect(writeKubeconfig(tmpdir(), '/home/me/.kube/config')).rejects.toThrow(
      "give the file's contents, not its path"
    )
  })
})

describe('GitHub environments', () => {
  test('production and transient environments by name', () => {
    expect(environmentKind('prod')).toEqual({ production: true, transient: false })
    expect(environmentKind('Production')).toEqual({ production: true, transient: false })
    expect(environmentKind('staging')).toEqual({ production: false, transient: false })
    expect(environmentKind('pr-42')).toEqual({ production: false, transient: true })
  })
})
