import type { HelmVersion } from './helm-cli.js'

/**
 * Flags whose names or meanings differ between Helm 3 and Helm 4, in one place.
 *
 * - Helm 4 renamed `--atomic` to `--rollback-on-failure`.
 * - Helm 4's `--wait` takes a strategy and defaults to `hookOnly` (no waiting at all); a bare
 *   `--wait` means `watcher`, which follows the objects by watch. Helm 3's `--wait` polls, which
 *   Helm 4 keeps as `legacy`. We ask for `watcher` explicitly so a default change cannot turn
 *   waiting off silently.
 */
export function waitFlags(version: HelmVersion, wait: boolean): string[] {
  if (!wait) return []
  return version.major >= 4 ? ['--wait=watcher'] : ['--wait']
}

export function atomicFlags(version: HelmVersion, atomic: boolean): string[] {
  if (!atomic) return []
  return version.major >= 4 ? ['--rollback-on-failure'] : ['--atomic']
}

/** Release labels (`--labels`) arrived in Helm 3.13. */
export function supportsReleaseLabels(version: HelmVersion): boolean {
  return version.major > 3 || (version.major === 3 && version.minor >= 13)
}

/** Helm durations are Go durations; ours are milliseconds. Whole seconds avoid any rounding. */
export function helmDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}
