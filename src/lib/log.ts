/** The logging the library needs, so it can run under the Actions toolkit, a CLI or a test. */
export interface Log {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
}

export const silentLog: Log = { info: () => {}, warning: () => {}, debug: () => {} }

/** Collects messages in memory: for tests and for reports that quote what happened. */
export function memoryLog(): Log & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: m => lines.push(m),
    warning: m => lines.push(`warning: ${m}`),
    debug: () => {}
  }
}
