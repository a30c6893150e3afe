// Who a token is: GET /user for a user's token. An installation token (GITHUB_TOKEN, a GitHub
// App) is refused there, as api.github.com refuses it; GraphQL's viewer (server.ts) names it.
import { GitHubError, ok, type Handler } from '../http.js'
import { user } from '../present.js'

const getAuthenticated: Handler = context => {
  if (context.login.endsWith('[bot]'))
    throw new GitHubError(403, 'Resource not accessible by integration')
  return ok({
    ...user(context.urls, context.login),
    name: null,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: '2020-01-01T00:00:00Z',
    updated_at: '2020-01-01T00:00:00Z'
  })
}

export const userRoutes: Record<string, Handler> = {
  'users/get-authenticated': getAuthenticated
}
