/**
 * The environment the test command runs in: the runner's, without the step's inputs. The runner
 * passes inputs as `INPUT_<NAME>` variables, the token among them; the tests need none of them.
 */
export function withoutActionInputs(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^INPUT_/i.test(name)))
}
