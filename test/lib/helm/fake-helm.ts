/** A scripted Helm for library tests: answers by the command's first words, records every call. */
import type { CommandResult, CommandRunner } from '../../../src/lib/command.js'
import { Helm } from '../../../src/lib/helm/helm-cli.js'

export type Answer = Partial<CommandResult> | ((args: readonly string[]) => Partial<CommandResult>)

export function fakeHelm(
  version: string,
  answers: Record<string, Answer>
): { helm: Helm; calls: string[][] } {
  const calls: string[][] = []
  const runner: CommandRunner = async (_file, args) => {
    calls.push([...args])
    if (args[0] === 'version') return { code: 0, stdout: version, stderr: '', durationMs: 1 }
    const key = Object.keys(answers)
      .sort((a, b) => b.length - a.length)
      .find(prefix => args.join(' ').startsWith(prefix))
    if (!key)
      return {
        code: 1,
        stdout: '',
        stderr: `Error: unexpected call helm ${args.join(' ')}`,
        durationMs: 1
      }
    const answer = answers[key] as Answer
    const given = typeof answer === 'function' ? answer(args) : answer
    return { code: 0, stdout: '', stderr: '', durationMs: 1, ...given }
  }
  return { helm: new Helm({ path: '/opt/helm', env: {}, runner }), calls }
}

/** `helm history -o json` output. */
export function history(
  ...entries: Array<
    [revision: number, status: string, description: string, chart?: string, appVersion?: string]
  >
): string {
  return JSON.stringify(
    entries.map(
      ([revision, status, description, chart = 'model-server-0.1.0', appVersion = '0.1.0']) => ({
        revision,
        updated: new Date(Date.UTC(2026, 10, 26, 5, 0, revision)).toISOString(),
        status,
        chart,
        app_version: appVersion,
        description
      })
    )
  )
}

export const ours = (version: string, letter: string) =>
  `mlops-actions deploy version=${version} digest=sha256:${letter.repeat(64)} image=registry.local/model strategy=direct`
