const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/

/** Parses `500ms`, `30s`, `5m`, `1h` (and combinations such as `1m30s`) into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const parts = text.match(/\d+(?:\.\d+)?(?:ms|s|m|h)/g)
  if (!parts || parts.join('') !== text) return undefined
  let total = 0
  for (const part of parts) {
    const match = DURATION.exec(part)
    if (!match) return undefined
    total += Number(match[1]) * (UNITS[match[2] as string] as number)
  }
  return Number.isFinite(total) ? Math.round(total) : undefined
}

/** Formats milliseconds the way Go and Prometheus write durations (`1m30s`, `500ms`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  let rest = Math.round(ms / 1000)
  const h = Math.floor(rest / 3600)
  rest -= h * 3600
  const m = Math.floor(rest / 60)
  const s = rest - m * 60
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`
}

/** Human-readable elapsed time for summaries: `0.42 s`, `12.3 s`, `2 min 5 s`. */
export function formatElapsed(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const min = Math.floor(ms / 60_000)
  return `${min} min ${Math.round((ms - min * 60_000) / 1000)} s`
}
