import { createHash } from 'node:crypto'

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

/** The hex part of a digest, shortened for tags and log lines. */
export function shortDigest(digest: string, length = 12): string {
  return (digest.split(':')[1] ?? digest).slice(0, length)
}
