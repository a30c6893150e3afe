import type { CommandRunner } from '../command.js'
import type { RegistryCredentials } from '../oci/auth.js'

/**
 * Logs docker in for the duration of `work`, the password on standard input (never an
 * argument), then logs out again so the runner's docker config keeps nothing of ours.
 */
export async function withDockerLogin<T>(
  run: CommandRunner,
  registry: string,
  credentials: RegistryCredentials | undefined,
  env: NodeJS.ProcessEnv,
  work: () => Promise<T>
): Promise<T> {
  const secret = credentials?.password ?? credentials?.token
  if (!secret) return work()
  const username = credentials?.username ?? (credentials?.token ? 'oauth2accesstoken' : '')
  await run('docker', ['login', registry, '--username', username, '--password-stdin'], {
    input: secret,
    env
  })
  try {
    return await work()
  } finally {
    await run('docker', ['logout', registry], { env, check: false })
  }
}
