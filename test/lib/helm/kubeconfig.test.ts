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
  test('every credential in it is found, not the public parts', () => {
    expect(kubeconfigSecrets(KUBECONFIG).sort()).toEqual(
      ['eyJhbGciOiJSUzI1NiJ9.secret-token', 'S0VZS0VZS0VZ'].sort()
    )
  })

  test("an exec plugin's env values (cloud credentials) are secrets too", () => {
    const exec = `apiVersion: v1
kind: Config
clusters:
  - name: prod
    cluster: { server: 'https://eks.example.com' }
users:
  - name: eks
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: aws
        args: [eks, get-token, --cluster-name, prod]
        env:
          - name: AWS_ACCESS_KEY_ID
            value: AKIAEXAMPLEKEY123
          - name: AWS_SECRET_ACCESS_KEY
            value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
contexts:
  - name: prod
    context: { cluster: prod, user: eks }
current-context: prod
`
    const secrets = kubeconfigSecrets(exec)
    expect(secrets).toContain('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')
    expect(secrets).toContain('AKIAEXAMPLEKEY123')
    expect(secrets).not.toContain('AWS_SECRET_ACCESS_KEY')
    expect(secrets).not.toContain('get-token')
  })

  test('a JSON kubeconfig (valid for kubectl and Helm) is accepted and its secrets found', async () => {
    const json = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://k8s.example.com' } }],
      users: [{ name: 'u', user: { token: 'json-secret-token' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c'
    })
    expect(kubeconfigSecrets(json)).toEqual(['json-secret-token'])
    const path = await writeKubeconfig(mkdtempSync(join(tmpdir(), 'runner-temp-')), json)
    expect(existsSync(path)).toBe(true)
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
