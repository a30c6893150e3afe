// Every operation the simulator answers, by the operationId of GitHub's description.
import type { Handler } from '../http.js'
import { checkRoutes } from './checks.js'
import { commentRoutes } from './comments.js'
import { deploymentRoutes } from './deployments.js'
import { gitRoutes } from './git.js'
import { releaseRoutes } from './releases.js'
import { repositoryRoutes } from './repository.js'
import { userRoutes } from './users.js'

export const handlers: Record<string, Handler> = {
  ...gitRoutes,
  ...deploymentRoutes,
  ...commentRoutes,
  ...checkRoutes,
  ...releaseRoutes,
  ...repositoryRoutes,
  ...userRoutes
}
