import * as core from '@actions/core'
import { runAction, runPost } from '../common/runtime.js'
import { removeWorkDir, run } from './main.js'

// One bundle for the main step and the post step (post-if: always()), which removes credential
// files a cancelled build left behind.
if (core.getState('isPost') === 'true') {
  await runPost(removeWorkDir)
} else {
  core.saveState('isPost', 'true')
  await runAction(run)
}
