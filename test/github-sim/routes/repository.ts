// The repository itself and the rate-limit overview.
import { ok, type Handler } from '../http.js'
import { repository } from '../present.js'
import { timestamp } from '../state.js'

const getRepository: Handler = context =>
  ok(repository(context.urls, context.repository, timestamp()))

/** A generous, never-exhausted budget: exhaustion is injected with faults instead. */
const getRateLimit: Handler = () => {
  const reset = Math.floor(Date.now() / 1000) + 3600
  const core = { limit: 5000, used: 0, remaining: 5000, reset }
  const search = { limit: 30, used: 0, remaining: 30, reset }
  const graphql = { limit: 5000, used: 0, remaining: 5000, reset }
  return ok({ resources: { core, search, graphql }, rate: core })
}

export const repositoryRoutes: Record<string, Handler> = {
  'repos/get': getRepository,
  'rate-limit/get': getRateLimit
}
