import { parseDuration } from './duration.js'
import { InputError } from './errors.js'
import { isNamespaceName, isReleaseName } from './kubernetes-names.js'
import { parseImageReference, type ImageReference } from './oci/reference.js'

/** Where raw input text comes from: the runner's `INPUT_*` variables, or a test's map. */
export type InputSource = (name: string) => string

/** The runner's convention (as @actions/core getInput): `INPUT_` + upper-cased name, spaces as `_`. */
export function runnerInputs(env: NodeJS.ProcessEnv = process.env): InputSource {
  return name => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/

/**
 * Typed, validated reading of action inputs. Every method takes the input's literal name (a test
 * checks those names against each action.yml) and throws an InputError that names the input,
 * what was given and what is accepted. An empty input means "not given".
 */
export class InputReader {
  /**
   * @param mask registers a secret with the runner's log masking (core.setSecret in the
   *   actions); every secret input goes through it the moment it is read.
   */
  constructor(
    private readonly source: InputSource,
    private readonly mask: (secret: string) => void = () => {}
  ) {}

  raw(name: string): string {
    return this.source(name)
  }

  /**
   * A secret input, masked at read time, before anything can log it. A multi-line value is
   * masked whole, which the runner applies line by line at best, so `parts` names the values
   * inside it that must never show even quoted alone (a kubeconfig's tokens and keys). Values
   * derived from a secret later (a Basic header) are masked where they are made.
   */
  secret(name: string, options: { parts?: (value: string) => string[] } = {}): string {
    const value = this.source(name)
    if (value === '') return ''
    const secrets = new Set([value])
    for (const part of options.parts?.(value) ?? []) secrets.add(part)
    for (const secret of secrets) this.mask(secret)
    return value
  }

  string(name: string, options: { required?: boolean; fallback?: string } = {}): string {
    const value = this.source(name)
    if (value === '') {
      if (options.required) throw new InputError(name, '', 'a non-empty value (it is required)')
      return options.fallback ?? ''
    }
    return value
  }

  /** A string matching `pattern`; `accepted` describes the pattern to the user. */
  matching(name: string, pattern: RegExp, accepted: string, fallback = ''): string {
    const value = this.source(name)
    if (value === '') return fallback
    if (!pattern.test(value)) throw new InputError(name, value, accepted)
    return value
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.source(name)
    if (value === '') return fallback
    if (value === 'true') return true
    if (value === 'false') return false
    throw new InputError(name, value, 'true or false')
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const value = this.source(name)
    if (value === '') return fallback
    const n = /^-?\d+$/.test(value) ? Number(value) : NaN
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InputError(name, value, `a whole number ${describeRange(min, max)}`)
    }
    return n
  }

  number(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const value = this.source(name)
    if (value === '') return fallback
    const n = /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(value) ? Number(value) : NaN
    const { min = -Infinity, max = Infinity } = range
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new InputError(name, value, `a number ${describeRange(min, max)}`)
    }
    return n
  }

  /** Milliseconds, from `500ms`, `30s`, `5m`, `1h`. */
  duration(name: string, fallback: string, range: { minMs?: number; maxMs?: number } = {}): number {
    const value = this.source(name) || fallback
    const ms = parseDuration(value)
    const { minMs = 0, maxMs = 7 * 24 * 3_600_000 } = range
    if (ms === undefined || ms < minMs || ms > maxMs) {
      throw new InputError(name, value, 'a duration such as 500ms, 30s, 5m or 1h')
    }
    return ms
  }

  oneOf<const T extends string>(name: string, accepted: readonly T[], fallback: T): T {
    const value = this.source(name)
    if (value === '') return fallback
    if (!(accepted as readonly string[]).includes(value)) {
      throw new InputError(name, value, accepted.join(', '))
    }
    return value as T
  }

  /** Items separated by newlines or commas; blank lines and `#` comments are dropped. */
  list(name: string): string[] {
    return parseList(this.source(name))
  }

  /** Parsed YAML; the parser loads only when the input is given. */
  async yaml(name: string): Promise<unknown> {
    const value = this.source(name)
    if (value === '') return undefined
    const { parse } = await import('yaml')
    try {
      return parse(value)
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
      throw new InputError(name, value, `valid YAML (${reason})`)
    }
  }

  namespace(name: string, fallback: string): string {
    const value = this.source(name) || fallback
    if (!isNamespaceName(value)) {
      throw new InputError(
        name,
        value,
        'a Kubernetes namespace name: lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters'
      )
    }
    return value
  }

  release(name: string, options: { required?: boolean; maxLength?: number } = {}): string {
    const value = this.source(name)
    if (value === '' && !options.required) return ''
    if (!isReleaseName(value, options.maxLength)) {
      throw new InputError(
        name,
        value,
        `a Helm release name: lower-case letters, digits and "-", starting and ending with a letter or digit, at most ${options.maxLength ?? 53} characters`
      )
    }
    return value
  }

  image(name: string, options: { required?: boolean } = {}): ImageReference | undefined {
    const value = this.source(name)
    if (value === '') {
      if (options.required)
        throw new InputError(name, '', 'an image reference such as ghcr.io/org/model:1.2.3')
      return undefined
    }
    const ref = parseImageReference(value)
    if (!ref) {
      throw new InputError(
        name,
        value,
        'an image reference such as ghcr.io/org/model:1.2.3 or registry:5000/model@sha256:...'
      )
    }
    return ref
  }

  semver(name: string, options: { required?: boolean } = {}): string {
    const value = this.source(name)
    if (value === '' && !options.required) return ''
    const bare = value.replace(/^v/, '')
    if (!SEMVER.test(bare))
      throw new InputError(name, value, 'a semantic version such as 1.2.3 or 1.3.0-beta.2')
    return bare
  }
}

export function parseList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .flatMap(line => (line.trim().startsWith('#') ? [] : line.split(',')))
    .map(item => item.trim())
    .filter(item => item !== '')
}

function describeRange(min: number, max: number): string {
  const lo = Number.isFinite(min) && min > Number.MIN_SAFE_INTEGER
  const hi = Number.isFinite(max) && max < Number.MAX_SAFE_INTEGER
  if (lo && hi) return `from ${min} to ${max}`
  if (lo) return `of at least ${min}`
  if (hi) return `of at most ${max}`
  return ''
}

export function isSemver(text: string): boolean {
  return SEMVER.test(text)
}
