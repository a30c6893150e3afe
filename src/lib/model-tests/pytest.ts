/**
 * pytest writes no JUnit report unless asked. When the command runs pytest without
 * `--junitxml`, the report is asked for at `junit-path`, so the default command works as is;
 * when it has `--junitxml` and `junit-path` is not given, the report is read from there.
 */
export const DEFAULT_JUNIT_PATH = 'junit.xml'

export function runsPytest(argv: readonly string[]): boolean {
  const program = (argv[0] ?? '').split('/').pop() ?? ''
  if (/^(py\.test|pytest)(-\d.*)?$/.test(program)) return true
  if (!/^python/.test(program)) return false
  // `python [options] -m pytest`: -m counts only among the interpreter's own options, before a
  // script name; -W and -X take a value.
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '-m') return argv[i + 1] === 'pytest'
    if (arg === '-W' || arg === '-X') i++
    else if (!arg.startsWith('-') || arg === '-c') return false
  }
  return false
}

export interface JUnitPlan {
  argv: string[]
  /** Relative to the working directory. */
  junitPath: string
}

/** `junitPathInput` is the input as given, empty when not given. */
export function planJUnitOutput(argv: readonly string[], junitPathInput: string): JUnitPlan {
  if (!runsPytest(argv)) return { argv: [...argv], junitPath: junitPathInput || DEFAULT_JUNIT_PATH }
  const given = junitOption(argv)
  if (given !== undefined) return { argv: [...argv], junitPath: junitPathInput || given }
  const junitPath = junitPathInput || DEFAULT_JUNIT_PATH
  return { argv: [...argv, `--junitxml=${junitPath}`], junitPath }
}

function junitOption(argv: readonly string[]): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string
    const joined = /^--junit-?xml=(.*)$/.exec(arg)
    if (joined) return joined[1]
    if (arg === '--junitxml' || arg === '--junit-xml') return argv[i + 1]
  }
  return undefined
}
