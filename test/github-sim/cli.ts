// Starts the GitHub API simulator for the demo or by hand and prints its URL:
//   npx tsx test/github-sim/cli.ts [--accept-any-sha] [--commit SHA]... [--token TOKEN]...
// The first stdout line is `GITHUB_API_URL=http://127.0.0.1:PORT`; it runs until SIGINT/SIGTERM.
import { parseArgs } from 'node:util'
import { startGitHubSimulator } from './server.js'

const USAGE = `usage: tsx test/github-sim/cli.ts [--accept-any-sha] [--commit SHA]... [--token TOKEN]...
  --accept-any-sha  treat every 40-hex SHA as an existing commit
  --commit SHA      a commit that exists (repeatable; more via POST /_sim/commits)
  --token TOKEN     accept only these tokens (repeatable; default: any token)`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'accept-any-sha': { type: 'boolean', default: false },
      commit: { type: 'string', multiple: true, default: [] },
      token: { type: 'string', multiple: true },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const simulator = await startGitHubSimulator({
    acceptAnySha: values['accept-any-sha'],
    commits: values.commit,
    ...(values.token && { tokens: values.token })
  })
  console.log(`GITHUB_API_URL=${simulator.url}`)
  console.log(
    `state: ${simulator.url}/_sim/state  faults: ${simulator.url}/_sim/faults  (GitHub REST API simulator, not GitHub)`
  )
  const stop = (): void => {
    const violations = simulator.state.violations.length
    if (violations > 0)
      console.error(
        `${violations} violation(s) of GitHub's OpenAPI description: see /_sim/violations`
      )
    simulator.stop().then(
      () => process.exit(violations > 0 ? 1 : 0),
      () => process.exit(1)
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  console.error(USAGE)
  process.exit(2)
})
