/** The manifest, config and layer formats a registry speaks, OCI and Docker schema 2 alike. */
export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar'
} as const

/** What we accept when reading a manifest: every single-image and multi-platform format. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest
]

export interface Platform {
  architecture: string
  os: string
  variant?: string
  'os.version'?: string
}

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: Platform
  annotations?: Record<string, string>
}

export interface ImageManifest {
  schemaVersion: 2
  mediaType?: string
  config: Descriptor
  layers: Descriptor[]
  annotations?: Record<string, string>
}

export interface ImageIndex {
  schemaVersion: 2
  mediaType?: string
  manifests: Descriptor[]
  annotations?: Record<string, string>
}

/** The parts of an image config this code reads or writes; everything else is carried as is. */
export interface ImageConfig {
  created?: string
  architecture?: string
  os?: string
  variant?: string
  config?: { Labels?: Record<string, string> | null; [key: string]: unknown }
  rootfs: { type: 'layers'; diff_ids: string[] }
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[]
  [key: string]: unknown
}

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList
}

/** A manifest's media type: the header may be missing or generic, the body's field is not. */
export function manifestMediaType(bytes: Buffer, header: string | null): string {
  try {
    const declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType
    if (typeof declared === 'string' && declared) return declared
  } catch {
    // Not JSON: fall back to the header, the registry's word for it.
  }
  return (header ?? '').split(';')[0]!.trim() || MediaType.ociManifest
}

/** `linux/arm64/v8` -> platform; the form `docker --platform` and buildx take. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.trim().split('/')
  if (parts.length < 2 || parts.length > 3 || parts.some(p => !/^[a-z0-9._-]+$/.test(p)))
    return undefined
  const [os, architecture, variant] = parts as [string, string, string | undefined]
  return variant ? { os, architecture, variant } : { os, architecture }
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/')
}

/** Whether an index entry serves `wanted`; a missing variant matches any variant. */
export function platformMatches(candidate: Platform | undefined, wanted: Platform): boolean {
  if (!candidate) return false
  if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false
  return !wanted.variant || !candidate.variant || candidate.variant === wanted.variant
}
