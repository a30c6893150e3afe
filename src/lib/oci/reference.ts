/**
 * Image references as the distribution project's `reference` package parses them:
 * [registry[:port]/]path[:tag][@digest]. Docker Hub's implicit `docker.io/library/` prefix is
 * applied only to names without a registry, as `docker pull` does.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*'
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`
const TAG = '[\\w][\\w.-]{0,127}'
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}'
const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`
)
export const TAG_PATTERN = new RegExp(`^${TAG}$`)
export const DIGEST_PATTERN = new RegExp(`^${DIGEST}$`)

export interface ImageReference {
  /** Registry host (with port), e.g. `ghcr.io` or `127.0.0.1:5000`. */
  registry: string
  /** Repository path inside the registry, e.g. `org/model`. */
  repository: string
  tag?: string
  digest?: string
}

export function parseImageReference(text: string): ImageReference | undefined {
  const match = REFERENCE.exec(text)
  if (!match) return undefined
  const [, matchedDomain, matchedPath, tag, digest] = match
  let domain = matchedDomain
  let path = matchedPath
  if (!path || path.length > 255) return undefined
  // A first component is a registry only when it looks like a host, as in distribution; an
  // upper-case one is neither a host nor a valid repository component, so it is refused below.
  if (domain && !/[.:]/.test(domain) && domain !== 'localhost' && !domain.startsWith('[')) {
    path = `${domain}/${path}`
    domain = undefined
    if (!new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`).test(path)) return undefined
  }
  const registry = domain ?? 'docker.io'
  const repository = !domain && !path.includes('/') ? `library/${path}` : path
  return {
    registry,
    repository,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {})
  }
}

/** `registry/repository` without tag or digest. */
export function imageName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`
}

export function formatImageReference(ref: ImageReference): string {
  return `${imageName(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`
}

/**
 * Registries where plain HTTP may be allowed: loopback (as Docker allows by default), `localhost`
 * names, `.local` names, and bare host names such as a CI service container's `registry:5000`.
 * Anything with a public-looking domain is always spoken to over HTTPS.
 */
export function isLocalRegistry(registry: string): boolean {
  const host = registry
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase()
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(host)
  )
}
