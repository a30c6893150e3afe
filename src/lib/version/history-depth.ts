import { UserError } from '../errors.js'
import type { Git } from '../git.js'
import type { Log } from '../log.js'

/**
 * Versions are computed from history and tags. A shallow clone (actions/checkout's default
 * `fetch-depth: 1`) has neither, so fetch them; when that is impossible, say what to change.
 */
export async function ensureFullHistory(git: Git, log: Log): Promise<'complete' | 'fetched'> {
  const shallow = (await git.run(['rev-parse', '--is-shallow-repository'])).trim() === 'true'
  if (!shallow) return 'complete'
  const remotes = (await git.run(['remote'])).split('\n').filter(Boolean)
  const remote = remotes.includes('origin') ? 'origin' : remotes[0]
  const advice =
    'Set `fetch-depth: 0` on actions/checkout so that the history and tags are cloned:\n' +
    '  - uses: actions/checkout@<sha>\n    with:\n      fetch-depth: 0'
  if (!remote)
    throw new UserError(
      `The repository is a shallow clone with no remote to fetch history from. ${advice}`
    )
  log.info(`Shallow clone: fetching the full history and tags from ${remote}`)
  const fetched = await git.succeeds([
    'fetch',
    '--unshallow',
    '--tags',
    '--no-recurse-submodules',
    '--quiet',
    remote
  ])
  if (!fetched)
    throw new UserError(
      `The repository is a shallow clone and fetching its history from ${remote} failed. ${advice}`
    )
  return 'fetched'
}
