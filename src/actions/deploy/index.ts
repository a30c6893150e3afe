import { runWithKubeconfigCleanup } from '../common/kubeconfig-step.js'
import { cleanUpCancelledCanary } from './cancelled-canary.js'
import { run } from './main.js'

await runWithKubeconfigCleanup(run, cleanUpCancelledCanary)
