import * as core from '@actions/core'
import { errorMessage, isUserError } from '../../lib/errors.js'
import { InputReader, runnerInputs } from '../../lib/inputs.js'
import type { Log } from '../../lib/log.js'

/** The toolkit-backed pieces every action's main.ts wires into the library. */
export const actionLog: Log = {
  info: message => core.info(message),
  warning: message => core.warning(message),
  debug: message => core.debug(message)
}

export function actionInputs(): InputReader {
  return new InputReader(runnerInputs(), secret => core.setSecret(secret))
}

/**
 * The one error path: library code throws, this catches once. A user's mistake is reported as
 * its message alone; an internal fault also gets its stack, since that is a bug to report.
 */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main()
  } catch (error) {
    if (isUserError(error)) {
      core.setFailed(error.message)
    } else {
      if (error instanceof Error && error.stack) core.info(error.stack)
      core.setFailed(
        `Internal error in mlops-actions: ${errorMessage(error)}. Please report it with the log above.`
      )
    }
  }
}

/** Post steps clean up and warn; they never fail the job (the main step already decided). */
export async function runPost(post: () => Promise<void>): Promise<void> {
  try {
    await post()
  } catch (error) {
    core.warning(`Clean-up step failed: ${errorMessage(error)}`)
  }
}

export type OutputValue = string | number | boolean | null | object

/** Sets every output, logging them in one collapsed group first. */
export function setOutputs(outputs: Record<string, OutputValue | undefined>): void {
  core.startGroup('Outputs')
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue
    const text =
      value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)
    core.info(
      `${name}: ${text.length > 300 ? `${text.slice(0, 300)}… (${text.length} characters)` : text}`
    )
    core.setOutput(name, text)
  }
  core.endGroup()
}

export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(markdown)
    return
  }
  await core.summary.addRaw(markdown, true).write()
}
