import * as core from '@actions/core'
import { removeKubeconfig } from '../../lib/helm/kubeconfig.js'
import { runAction, runPost } from '../common/runtime.js'
import { KUBECONFIG_STATE, run } from './main.js'

// One bundle serves both steps: the main step leaves a mark in its state, the post step sees it.
if (core.getState('isPost') === 'true') {
  await runPost(async () => {
    const path = core.getState(KUBECONFIG_STATE)
    if (path) {
      await removeKubeconfig(path)
      core.info('Removed the kubeconfig file written for this step.')
    }
  })
} else {
  core.saveState('isPost', 'true')
  await runAction(run)
}
