/**
 * Two kinds of failure, reported differently: a UserError is the user's to fix (a bad input, a
 * tag that points elsewhere, a failed gate) and is shown as its message alone; anything else is
 * an internal fault, shown with its stack so it can be reported.
 */
export class UserError extends Error {
  override name = 'UserError'
}

/** A bad input: names the input, what was given and what is accepted. */
export class InputError extends UserError {
  override name = 'InputError'
  constructor(
    readonly input: string,
    readonly given: string,
    readonly accepted: string
  ) {
    super(`Input "${input}" is ${describeGiven(given)}; accepted: ${accepted}.`)
  }
}

function describeGiven(given: string): string {
  const shown = given.length > 80 ? `${given.slice(0, 77)}...` : given
  return given === '' ? 'empty' : JSON.stringify(shown)
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
