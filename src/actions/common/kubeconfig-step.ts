import * as core from '@actions/core'
import { removeKubeconfig, writeKubeconfig } from '../../lib/helm/kubeconfig.js'
import { runAction, runPost } from './runtime.js'

/** The state key under which the main step tells the post step which file to remove. */
const KUBECONFIG_STATE = 'kubeconfig-path'

/** Writes the kubeconfig input to a 0600 file under RUNNER_TEMP, for the post step to remove. */
export async function writeStepKubeconfig(runnerTemp: string, text: string): Promise<string> {
  const path = await writeKubeconfig(runnerTemp, text)
  core.saveState(KUBECONFIG_STATE, path)
  return path
}

/**
 * The entry of an action that takes a kubeconfig: one bundle serves the main step and the post
 * step (`post-if: always()`), which removes the kubeconfig file even when the main step failed
 * or was cancelled. `finishInPost` runs first, while the kubeconfig is still there (the front
 * door removes a canary a cancelled step left behind).
 */
export async function runWithKubeconfigCleanup(
  main: () => Promise<void>,
  finishInPost?: (kubeconfigPath: string | undefined) => Promise<void>
): Promise<void> {
  if (core.getState('isPost') === 'true') {
    const path = core.getState(KUBECONFIG_STATE) || undefined
    if (finishInPost) await runPost(() => finishInPost(path))
    await runPost(async () => {
      if (path) {
        await removeKubeconfig(path)
        core.info('Removed the kubeconfig file written for this step.')
      }
    })
  } else {
    core.saveState('isPost', 'true')
    await runAction(main)
  }
}
