import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Registry credentials. `username`/`password` are basic credentials (also exchanged for a bearer
 * token when the registry asks for one, as docker does; for GHCR the password is a GitHub token).
 * `token` is an already issued registry bearer token, sent as is.
 */
export interface RegistryCredentials {
  username?: string
  password?: string
  token?: string
}

export interface AuthChallenge {
  scheme: 'basic' | 'bearer'
  params: Record<string, string>
}

/** Parses `WWW-Authenticate: Bearer realm="...",service="...",scope="..."` (RFC 7235 params). */
export function parseAuthChallenge(header: string | null): AuthChallenge | undefined {
  if (!header) return undefined
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header)
  if (!match) return undefined
  const scheme = match[1]!.toLowerCase()
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined
  const params: Record<string, string> = {}
  const pair = /([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g
  for (let m = pair.exec(match[2]!); m; m = pair.exec(match[2]!)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '')
  }
  return { scheme, params }
}

/**
 * Where credentials derived deep in the registry protocol (a Basic header's base64, a bearer
 * token a token service issued, a password read from a docker config) are masked the moment they
 * are made. The library cannot call the runner itself (no @actions/* here); the action installs
 * core.setSecret once at start. Until then, and in tests, it does nothing.
 */
let maskCredential: (secret: string) => void = () => {}

export function setCredentialMask(mask: (secret: string) => void): void {
  maskCredential = mask
}

/** Masks a derived credential (ignoring empties, which would mask every blank). */
export function maskDerived(secret: string | undefined): void {
  if (secret && secret.length >= 4) maskCredential(secret)
}

export function basicAuthorization(username: string, password: string): string {
  const encoded = Buffer.from(`${username}:${password}`).toString('base64')
  maskDerived(encoded)
  return `Basic ${encoded}`
}

/** Docker's config keys are host names, URLs, or the legacy Docker Hub index URL. */
function normaliseConfigKey(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]!
    .toLowerCase()
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host
}

/**
 * Credentials for `registry` from the runner's docker config (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`), the file `docker login` and docker/login-action write. Only inline
 * `auths` entries are read; credential helpers are not run.
 */
export async function dockerConfigCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<RegistryCredentials | undefined> {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker')
  let text: string
  try {
    text = await readFile(join(dir, 'config.json'), 'utf8')
  } catch {
    return undefined
  }
  let config: {
    auths?: Record<
      string,
      {
        auth?: string
        username?: string
        password?: string
        identitytoken?: string
        registrytoken?: string
      }
    >
  }
  try {
    config = JSON.parse(text) as typeof config
  } catch {
    return undefined
  }
  const wanted = normaliseConfigKey(registry)
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (normaliseConfigKey(key) !== wanted || !entry) continue
    if (entry.registrytoken) {
      maskDerived(entry.registrytoken)
      return { token: entry.registrytoken }
    }
    if (entry.auth) {
      maskDerived(entry.auth)
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon > 0) {
        maskDerived(decoded.slice(colon + 1))
        return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
      }
    }
    if (entry.username && entry.password) {
      maskDerived(entry.password)
      return { username: entry.username, password: entry.password }
    }
  }
  return undefined
}

/** Who is knocking, for error messages: the user name or the kind of credential, never a secret. */
export function describeCredentials(credentials: RegistryCredentials | undefined): string {
  if (credentials?.token) return 'a bearer token'
  if (credentials?.username) return `user "${credentials.username}"`
  return 'anonymous access'
}
