import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RegistryCredentials } from '../oci/auth.js'

/**
 * Writes credentials in the docker config format (`{"auths":{host:{auth}}}`), which docker
 * (as DOCKER_CONFIG/config.json) and buildah (`--authfile`) read: passwords never go on a
 * command line, where any process could read them. The file is 0600 in a 0700 directory.
 */
export async function writeRegistryAuthFile(
  dir: string,
  registry: string,
  credentials: RegistryCredentials
): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const path = join(dir, 'config.json')
  const entry = credentials.token
    ? { registrytoken: credentials.token }
    : {
        auth: Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString(
          'base64'
        )
      }
  await writeFile(path, JSON.stringify({ auths: { [registry]: entry } }), { mode: 0o600 })
  return path
}
