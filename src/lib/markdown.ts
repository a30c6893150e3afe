/**
 * Job-summary rendering: small functions that each return GitHub-flavoured Markdown, joined by
 * the caller. Cell text is escaped so that a value with `|` or a newline cannot break a table.
 */
export function escapeCell(text: unknown): string {
  return String(text ?? '')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>')
}

export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const line = (cells: readonly unknown[]) => `| ${cells.map(escapeCell).join(' | ')} |`
  return [line(headers), `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map(line)].join(
    '\n'
  )
}

/** A two-column table of names and values, for "what happened" blocks. */
export function keyValues(entries: readonly (readonly [string, unknown])[]): string {
  return table(
    ['', ''],
    entries.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [`**${k}**`, v])
  )
}

export function heading(text: string, level = 2): string {
  return `${'#'.repeat(level)} ${text}`
}

export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``
}

export function codeBlock(text: string, language = ''): string {
  const fence = text.includes('```') ? '~~~~' : '```'
  return `${fence}${language}\n${text}\n${fence}`
}

export function details(summary: string, body: string): string {
  return `<details><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>`
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** A Mermaid line chart (xychart-beta) of one or more series over shared x labels. */
export function lineChart(
  title: string,
  xLabels: readonly string[],
  series: readonly { name: string; values: readonly (number | null)[] }[]
): string {
  const finite = series.flatMap(s =>
    s.values.filter((v): v is number => v !== null && Number.isFinite(v))
  )
  const lo = finite.length ? Math.min(...finite) : 0
  const hi = finite.length ? Math.max(...finite) : 1
  const pad = hi === lo ? Math.abs(hi) * 0.1 || 1 : (hi - lo) * 0.1
  const quote = (s: string) => `"${s.replace(/"/g, "'")}"`
  const lines = [
    'xychart-beta',
    `  title ${quote(title)}`,
    `  x-axis [${xLabels.map(quote).join(', ')}]`,
    `  y-axis ${round(lo - pad)} --> ${round(hi + pad)}`,
    // Mermaid has no gaps in a line: a missing point is drawn at the axis floor.
    ...series.map(
      s =>
        `  line [${s.values.map(v => (v === null || !Number.isFinite(v) ? round(lo - pad) : round(v))).join(', ')}]`
    )
  ]
  const legend = series.map((s, i) => `${i + 1}. ${s.name}`).join(' · ')
  return `${codeBlock(lines.join('\n'), 'mermaid')}\n\n<sub>Lines in order: ${escapeHtml(legend)}</sub>`
}

function round(value: number): number {
  return Number(value.toPrecision(6))
}
