import { runAction } from '../common/runtime.js'
import { run } from './main.js'

await runAction(run)
