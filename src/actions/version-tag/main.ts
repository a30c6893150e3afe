import * as core from '@actions/core'
import { createGit } from '../../lib/git.js'
import { createGitHubClient } from '../../lib/github/client.js'
import { createAnnotatedTag } from '../../lib/github/tags.js'
import { readRunnerContext } from '../../lib/runner-context.js'
import { calculateVersion, resolveBranch } from '../../lib/version/calculate.js'
import { ensureFullHistory } from '../../lib/version/history-depth.js'
import { versionSummary } from '../../lib/version/summary.js'
import { actionLog, setOutputs, writeSummary } from '../common/runtime.js'
import { getInputs } from './inputs.js'

export async function run(): Promise<void> {
  const inputs = getInputs()
  const context = readRunnerContext()
  const git = createGit(context.workspace)

  await ensureFullHistory(git, actionLog)
  const target = await resolveBranch(git, {
    input: inputs.branch,
    ref: context.ref,
    headRef: context.headRef,
    eventPullRequest: context.pullRequest
  })
  const result = await calculateVersion({
    git,
    tagPrefix: inputs.tagPrefix,
    labels: inputs.labels,
    ...target
  })
  core.info(
    `${result.branch.name} (${result.branch.kind}) is ${result.fullVersion}, from ${result.source.description}; bump ${result.bump}`
  )

  let tagOutcome = ''
  if (inputs.createTag) {
    const github = await createGitHubClient({
      token: inputs.githubToken,
      baseUrl: context.apiUrl,
      log: actionLog
    })
    const outcome = await createAnnotatedTag(github, {
      owner: context.owner,
      repo: context.repo,
      tag: result.tag,
      sha: result.sha,
      message: `${result.tag}\n\nVersion ${result.fullVersion} of ${result.branch.name}, tagged by mlops-actions/version-tag.`
    })
    tagOutcome = outcome === 'created' ? 'created' : 'already there'
    core.info(`Tag ${result.tag}: ${tagOutcome}`)
  }

  setOutputs({
    version: result.version,
    'full-version': result.fullVersion,
    major: result.major,
    minor: result.minor,
    patch: result.patch,
    prerelease: result.prerelease,
    tag: result.tag,
    'previous-version': result.previousVersion,
    bump: result.bump,
    environment: result.environment,
    'is-release': result.isRelease,
    sha: result.sha,
    tree: result.tree
  })
  await writeSummary(versionSummary(result, tagOutcome))
}
