import { runWithKubeconfigCleanup } from '../common/kubeconfig-step.js'
import { run } from './main.js'

await runWithKubeconfigCleanup(run)
