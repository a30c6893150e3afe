import { InputReader } from '../../src/lib/inputs.js'
import { kubeconfigSecrets } from '../../src/lib/helm/kubeconfig.js'
import { dockerConfigCredentials, setCredentialMask } from '../../src/lib/oci/auth.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

describe('secrets are masked when they are read', () => {
  it('masks a secret input, and the parts named inside it, at read time', () => {
    const masked: string[] = []
    const inputs = new InputReader(
      name =>
        ({ password: 'hunter2-value', kubeconfig: 'users:\n- user:\n    token: abcdef-token' })[
          name
        ] ?? '',
      secret => masked.push(secret)
    )
    expect(inputs.secret('password')).toBe('hunter2-value')
    expect(masked).toEqual(['hunter2-value'])
    inputs.secret('kubeconfig', { parts: kubeconfigSecrets })
    expect(masked).toContain('abcdef-token')
    expect(masked).toHaveLength(3)
    expect(inputs.secret('absent')).toBe('')
  })

  it('masks registry credentials read from a docker config', async () => {
    const masked: string[] = []
    setCredentialMask(secret => masked.push(secret))
    try {
      const dir = mkdtempSync(join(tmpdir(), 'docker-config-'))
      const auth = Buffer.from('ci:docker-config-password').toString('base64')
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'ghcr.io': { auth } } }))
      const credentials = await dockerConfigCredentials('ghcr.io', { DOCKER_CONFIG: dir })
      expect(credentials).toEqual({ username: 'ci', password: 'docker-config-password' })
      expect(masked).toEqual([auth, 'docker-config-password'])
    } finally {
      setCredentialMask(() => {})
    }
  })
})
