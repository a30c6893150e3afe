/**
 * Splits a command line into an argument array the way a POSIX shell splits words (quotes,
 * backslashes, comments) but expands nothing: the words reach the program through an argument
 * array, never through a shell. What a shell would have expanded or interpreted (variables,
 * command substitution, pipes, redirections, `&&`) is refused instead of being passed on as a
 * literal argument the user did not mean.
 */
export class CommandLineError extends Error {
  override name = 'CommandLineError'
  constructor(
    readonly reason: string,
    /** 1-based character position in the command line. */
    readonly position: number
  ) {
    super(`${reason} (at character ${position})`)
  }
}

const BLANK = new Set([' ', '\t', '\n', '\r'])
const OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')'])
// In a double-quoted word a backslash escapes only these (POSIX 2.2.3); before anything else it
// stays a backslash.
const DOUBLE_QUOTE_ESCAPES = new Set(['$', '`', '"', '\\', '\n'])

export function splitCommandLine(line: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let i = 0
  const refuseSubstitution = (at: number) => {
    const next = line[at + 1] ?? ''
    if (line[at] === '`' || /[A-Za-z_{(]/.test(next)) {
      throw new CommandLineError(
        `${line[at] === '`' ? '`' : `$${next}`} would be expanded by a shell, but this command runs without one: use \${{ env.NAME }} or \${{ runner.temp }} in the workflow, or single quotes for a literal`,
        at + 1
      )
    }
  }

  while (i < line.length) {
    const char = line[i] as string
    if (BLANK.has(char)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
      i++
    } else if (char === '#' && !inWord) {
      while (i < line.length && line[i] !== '\n') i++
    } else if (char === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) throw new CommandLineError('unclosed single quote', i + 1)
      word += line.slice(i + 1, end)
      inWord = true
      i = end + 1
    } else if (char === '"') {
      const start = i
      i++
      for (;;) {
        if (i >= line.length) throw new CommandLineError('unclosed double quote', start + 1)
        const inner = line[i] as string
        if (inner === '"') break
        if (inner === '\\' && DOUBLE_QUOTE_ESCAPES.has(line[i + 1] ?? '')) {
          if (line[i + 1] !== '\n') word += line[i + 1]
          i += 2
          continue
        }
        if (inner === '$' || inner === '`') refuseSubstitution(i)
        word += inner
        i++
      }
      inWord = true
      i++
    } else if (char === '\\') {
      if (i + 1 >= line.length) throw new CommandLineError('a backslash ends the command', i + 1)
      // Backslash-newline continues the line, as in a shell script.
      if (line[i + 1] !== '\n') {
        word += line[i + 1]
        inWord = true
      }
      i += 2
    } else if (OPERATORS.has(char)) {
      throw new CommandLineError(
        `"${char}" is shell syntax, but this command runs without a shell: quote it to pass it as an argument, or put the steps in a script and run that`,
        i + 1
      )
    } else {
      if (char === '$' || char === '`') refuseSubstitution(i)
      word += char
      inWord = true
      i++
    }
  }
  if (inWord) words.push(word)
  return words
}
