import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { InputError, UserError } from '../../lib/errors.js'
import type { BaselineSource } from '../../lib/model-tests/baseline.js'
import { CommandLineError, splitCommandLine } from '../../lib/model-tests/command-line.js'
import { ON_NO_DATA, type OnNoData } from '../../lib/model-tests/judge.js'
import { parseThresholdsYaml, type Threshold } from '../../lib/model-tests/thresholds.js'
import { actionInputs } from '../common/runtime.js'

// A release tag as GitHub accepts it, or `latest`; an environment name as GitHub allows it.
const TAG = /^(?!-)[A-Za-z0-9._/+-]{1,200}$/
const ENVIRONMENT = /^[^'"`,;\\]{1,255}$/
const ASSET = /^[A-Za-z0-9._+-]{1,255}$/

export interface RunModelTestsInputs {
  /** The program and its arguments, never given to a shell. */
  argv: string[]
  commandLine: string
  /** Relative to GITHUB_WORKSPACE, as given (for messages and annotations). */
  workingDirectory: string
  /** As given (empty: from the command's --junitxml, else junit.xml), relative to the working directory. */
  junitPath: string
  /** Relative to the working directory; default metrics.json. */
  metricsFile: string
  thresholds: Threshold[]
  baseline: BaselineSource
  onNoData: OnNoData
  comment: boolean
  timeoutMs: number
  githubToken: string
}

/**
 * Reads and validates every input, thresholds included (inline or from their file), so that a
 * mistake fails the step before the tests run.
 */
export async function getInputs(workspace: string): Promise<RunModelTestsInputs> {
  const inputs = actionInputs()
  const commandLine = inputs.string('command', { fallback: 'python -m pytest' })
  let argv: string[]
  try {
    argv = splitCommandLine(commandLine)
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error
    throw new InputError(
      'command',
      commandLine,
      `a command line with balanced quotes, run without a shell: ${error.message}`
    )
  }
  if (argv.length === 0)
    throw new InputError(
      'command',
      commandLine,
      'a program to run and its arguments, e.g. python -m pytest'
    )

  const workingDirectory = inputs.string('working-directory', { fallback: '.' })
  const cwd = resolve(workspace, workingDirectory)
  const junitPath = inputs.string('junit-path')
  const metricsFile = inputs.string('metrics-file', { fallback: 'metrics.json' })

  const inline = inputs.raw('thresholds')
  const thresholdsFile = inputs.string('thresholds-file')
  if (inline && thresholdsFile) {
    throw new InputError(
      'thresholds-file',
      thresholdsFile,
      'empty when the thresholds input is given (use one or the other)'
    )
  }
  let thresholds: Threshold[] = []
  if (inline) thresholds = await parseThresholdsYaml(inline, 'input "thresholds"')
  if (thresholdsFile) {
    const text = await readFile(resolve(cwd, thresholdsFile), 'utf8').catch(
      (error: NodeJS.ErrnoException) => {
        throw new InputError(
          'thresholds-file',
          thresholdsFile,
          `a readable YAML file, relative to the working directory (${error.code ?? error.message})`
        )
      }
    )
    thresholds = await parseThresholdsYaml(text, `${thresholdsFile} (input "thresholds-file")`)
  }

  const asset = inputs.matching(
    'baseline-asset',
    ASSET,
    'a release asset file name such as metrics.json',
    'metrics.json'
  )
  const sources: BaselineSource[] = []
  const baselineFile = inputs.string('baseline-file')
  if (baselineFile) sources.push({ kind: 'file', path: baselineFile })
  const release = inputs.matching(
    'baseline-release',
    TAG,
    'latest, or the tag of a GitHub release such as v1.2.0'
  )
  if (release) sources.push({ kind: 'release', release, asset })
  const environment = inputs.matching(
    'baseline-environment',
    ENVIRONMENT,
    'a GitHub environment name such as prod'
  )
  if (environment) sources.push({ kind: 'environment', environment, asset })
  if (sources.length > 1) {
    throw new UserError(
      `Inputs ${sources.map(s => `"baseline-${s.kind}"`).join(' and ')} were given together; give only one baseline source: baseline-file, baseline-release or baseline-environment.`
    )
  }

  return {
    argv,
    commandLine,
    workingDirectory,
    junitPath,
    metricsFile,
    thresholds,
    baseline: sources[0] ?? { kind: 'none' },
    onNoData: inputs.oneOf('on-no-data', ON_NO_DATA, 'fail'),
    comment: inputs.bool('comment', true),
    timeoutMs: inputs.duration('timeout', '60m', { minMs: 1000 }),
    githubToken: inputs.secret('github-token')
  }
}
