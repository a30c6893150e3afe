import { gunzipSync, gzipSync } from 'node:zlib'
import { dirname, join } from 'node:path'
import type { CommandRunner } from '../command.js'
import { CommandNotFoundError } from '../command.js'
import type { Log } from '../log.js'

export interface RecordEditor {
  runner: CommandRunner
  env: NodeJS.ProcessEnv
  /** kubectl candidates, first that runs wins: next to Helm, then on PATH. */
  kubectl: readonly string[]
  log: Log
}

export function kubectlCandidates(helmPath: string): string[] {
  return helmPath.includes('/') ? [join(dirname(helmPath), 'kubectl'), 'kubectl'] : ['kubectl']
}

/**
 * Marks a revision Helm left `pending-*` as `failed` in its release record. `helm rollback` over
 * a stuck revision succeeds but leaves that revision pending in the history for ever (both Helm
 * versions), where it misleads people and tools reading `helm history`. Helm has no command for
 * this, so the record (Secret `sh.helm.release.v1.<release>.v<revision>`) is patched with
 * kubectl: the `status` label Helm queries by and the status inside the encoded release.
 * Returns false, with a warning, when kubectl is not available or the patch is refused: the
 * release works either way, since Helm only ever blocks on the latest revision.
 */
export async function markRevisionFailed(
  editor: RecordEditor,
  release: string,
  namespace: string,
  revision: number,
  note: string
): Promise<boolean> {
  const name = `sh.helm.release.v1.${release}.v${revision}`
  for (const kubectl of editor.kubectl) {
    try {
      const got = await editor.runner(
        kubectl,
        ['get', 'secret', name, '--namespace', namespace, '--output', 'json'],
        {
          env: editor.env,
          check: false
        }
      )
      if (got.code !== 0) {
        editor.log.warning(
          `Could not read the release record ${name} to mark revision ${revision} failed: ${got.stderr.trim()}`
        )
        return false
      }
      const secret = JSON.parse(got.stdout) as {
        metadata?: { labels?: Record<string, string> }
        data?: { release?: string }
      }
      const encoded = secret.data?.release
      if (!encoded) return false
      const updated = {
        ...secret,
        metadata: { ...secret.metadata, labels: { ...secret.metadata?.labels, status: 'failed' } },
        data: { ...secret.data, release: reencode(encoded, note) }
      }
      // The record holds the whole release (values, rendered Secrets): it goes on stdin, neither
      // readable in /proc/*/cmdline nor bounded by the 128 KiB limit of one argument. `replace`
      // keeps the resourceVersion read above, so a concurrent change is refused, not overwritten.
      const patched = await editor.runner(
        kubectl,
        ['replace', '--namespace', namespace, '--filename', '-'],
        { env: editor.env, check: false, input: JSON.stringify(updated) }
      )
      if (patched.code !== 0) {
        editor.log.warning(`Could not mark revision ${revision} failed: ${patched.stderr.trim()}`)
        return false
      }
      return true
    } catch (error) {
      if (error instanceof CommandNotFoundError) continue
      // Marking is bookkeeping after the fact (the rollback or recovery already happened): a
      // failure here is a warning, never a failed rollback.
      editor.log.warning(
        `Could not mark revision ${revision} failed: ${error instanceof Error ? error.message : String(error)}`
      )
      return false
    }
  }
  editor.log.warning(
    `kubectl is not available, so revision ${revision} stays marked pending in helm history (it no longer blocks deploys).`
  )
  return false
}

/** Secret data is base64 of Helm's own encoding: base64 text of gzipped release JSON. */
function reencode(secretData: string, note: string): string {
  const inner = Buffer.from(Buffer.from(secretData, 'base64').toString('utf8'), 'base64')
  const json =
    inner[0] === 0x1f && inner[1] === 0x8b
      ? gunzipSync(inner).toString('utf8')
      : inner.toString('utf8')
  const release = JSON.parse(json) as { info?: Record<string, unknown> }
  release.info = { ...release.info, status: 'failed', description: note }
  const helmText = gzipSync(Buffer.from(JSON.stringify(release), 'utf8')).toString('base64')
  return Buffer.from(helmText, 'utf8').toString('base64')
}
