import { runCommand, type CommandRunner } from './command.js'

/** git in one repository, always with an argument array. */
export interface Git {
  /** Runs git and returns its standard output; a non-zero exit throws a CommandError. */
  run(args: readonly string[]): Promise<string>
  /** Runs git for its exit code alone: true when it exited 0. */
  succeeds(args: readonly string[]): Promise<boolean>
}

export function createGit(cwd: string, run: CommandRunner = runCommand): Git {
  // A fixed environment keeps user configuration (pagers, prompts, locales) out of parsed output.
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C' }
  const base = ['-c', 'core.quotepath=off']
  return {
    run: async args => (await run('git', [...base, ...args], { cwd, env })).stdout,
    succeeds: async args =>
      (await run('git', [...base, ...args], { cwd, env, check: false })).code === 0
  }
}

/** Whether `ancestor` is reachable from `descendant`. */
export function isAncestor(git: Git, ancestor: string, descendant: string): Promise<boolean> {
  return git.succeeds(['merge-base', '--is-ancestor', ancestor, descendant])
}

/**
 * The tree hash of a commit in a checkout, or null when there is no git, no repository or no
 * such commit there: records are completed with it where it can be known, never guessed.
 */
export async function commitTree(cwd: string, sha: string): Promise<string | null> {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) return null
  const out = await createGit(cwd)
    .run(['rev-parse', '--verify', '--quiet', `${sha}^{tree}`])
    .catch(() => '')
  return out.trim() || null
}
