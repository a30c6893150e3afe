/**
 * The environment the test command runs in: the runner's, without what belongs to the pipeline.
 * The tests are the model's code, not the pipeline's, so they get none of: the step's inputs
 * (`INPUT_<NAME>`, the token among them); the runner's credentials for its own services
 * (`ACTIONS_RUNTIME_TOKEN` for artifacts and caches, `ACTIONS_ID_TOKEN_REQUEST_*` that mint OIDC
 * tokens trusted by clouds); and the paths of the runner's command files (`GITHUB_ENV`,
 * `GITHUB_OUTPUT`, ...), through which a test could set the job's environment or outputs.
 */
const PIPELINE_ONLY = [
  /^INPUT_/i,
  /^ACTIONS_RUNTIME_(TOKEN|URL)$/,
  /^ACTIONS_(RESULTS|CACHE)_URL$/,
  /^ACTIONS_ID_TOKEN_REQUEST_/,
  /^GITHUB_(ENV|OUTPUT|PATH|STATE|STEP_SUMMARY)$/
]

export function modelTestEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !PIPELINE_ONLY.some(pattern => pattern.test(name)))
  )
}
