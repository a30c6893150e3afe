import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { RegistryCredentials } from '../oci/auth.js'

/**
 * Runs `work` (docker or buildx commands) with the registry credentials in a private docker
 * configuration, `DOCKER_CONFIG` pointed at a 0700 directory under the step's private work
 * directory, removed when `work` ends. `docker login` would write into the runner's own
 * ~/.docker/config.json, and the `logout` after it erased a login an earlier step had made (and
 * on cancellation left the password behind on a self-hosted runner, whose home persists).
 *
 * The private configuration starts as a copy of the runner's (earlier logins stay usable, for a
 * private `FROM` image), with the runner's other entries (cli-plugins, buildx builders,
 * contexts) linked in, so docker and buildx behave as before. Our registry's entry is written
 * inline, and any credential store or helper that would shadow it is dropped for it.
 */
export async function withDockerLogin<T>(
  registry: string,
  credentials: RegistryCredentials | undefined,
  env: NodeJS.ProcessEnv,
  workDir: string,
  work: (env: NodeJS.ProcessEnv) => Promise<T>
): Promise<T> {
  const secret = credentials?.password ?? credentials?.token
  if (!secret) return work(env)
  const username = credentials?.username ?? (credentials?.token ? 'oauth2accesstoken' : '')
  const original = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker')
  const dir = join(workDir, 'docker-config')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  try {
    const config = await readJson(join(original, 'config.json'))
    const auths = { ...(config.auths as Record<string, unknown> | undefined) }
    auths[registry] = { auth: Buffer.from(`${username}:${secret}`).toString('base64') }
    const credHelpers = { ...(config.credHelpers as Record<string, string> | undefined) }
    delete credHelpers[registry]
    const { credsStore: _store, ...rest } = config
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...rest, auths, credHelpers }), {
      mode: 0o600
    })
    for (const entry of await readdir(original).catch(() => [] as string[])) {
      if (entry === 'config.json') continue
      await symlink(join(original, entry), join(dir, entry)).catch(() => undefined)
    }
    return await work({ ...env, DOCKER_CONFIG: dir })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as unknown
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}
