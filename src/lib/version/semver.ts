/**
 * The few SemVer operations versioning needs, on a small value type: parse, compare (precedence
 * per SemVer 2.0.0 section 11), increment, format.
 */
export interface Version {
  major: number
  minor: number
  patch: number
  /** Pre-release identifiers, e.g. ['beta', 2]; empty for a release. */
  prerelease: (string | number)[]
}

const PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/

export function parseVersion(text: string): Version | undefined {
  const match = PATTERN.exec(text)
  if (!match) return undefined
  const numbers = [match[1], match[2], match[3]].map(Number)
  if (numbers.some(n => !Number.isSafeInteger(n))) return undefined
  return {
    major: numbers[0] as number,
    minor: numbers[1] as number,
    patch: numbers[2] as number,
    prerelease: match[4] ? match[4].split('.').map(id => (/^\d+$/.test(id) ? Number(id) : id)) : []
  }
}

export function formatVersion(v: Version): string {
  const core = `${v.major}.${v.minor}.${v.patch}`
  return v.prerelease.length ? `${core}-${v.prerelease.join('.')}` : core
}

export function coreVersion(v: Version): Version {
  return { major: v.major, minor: v.minor, patch: v.patch, prerelease: [] }
}

/** Compares major.minor.patch only. */
export function compareCore(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch
}

export function compareVersions(a: Version, b: Version): number {
  const core = compareCore(a, b)
  if (core !== 0) return core
  if (!a.prerelease.length || !b.prerelease.length) return b.prerelease.length - a.prerelease.length
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i]
    const y = b.prerelease[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    if (x === y) continue
    if (typeof x === 'number' && typeof y === 'number') return x - y
    if (typeof x === 'number') return -1
    if (typeof y === 'number') return 1
    return x < y ? -1 : 1
  }
  return 0
}

export function incrementVersion(v: Version, field: 'major' | 'minor' | 'patch' | 'none'): Version {
  switch (field) {
    case 'major':
      return { major: v.major + 1, minor: 0, patch: 0, prerelease: [] }
    case 'minor':
      return { major: v.major, minor: v.minor + 1, patch: 0, prerelease: [] }
    case 'patch':
      return { major: v.major, minor: v.minor, patch: v.patch + 1, prerelease: [] }
    case 'none':
      return coreVersion(v)
  }
}

/** The label of a pre-release (`beta` of `1.2.0-beta.3`) and its number (3), if it has one. */
export function prereleaseParts(v: Version): { label: string; number: number | undefined } {
  const ids = [...v.prerelease]
  const last = ids[ids.length - 1]
  const number = typeof last === 'number' ? last : undefined
  if (number !== undefined) ids.pop()
  return { label: ids.join('.'), number }
}
