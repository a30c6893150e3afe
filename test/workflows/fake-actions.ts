/**
 * Stand-ins for the outputs of this suite's actions when a workflow is simulated. The GitFlow
 * route is not faked: version-tag's `environment` comes from the library version-tag itself runs
 * (`classifyBranch` + `environmentFor`), so the workflows and the action cannot disagree on where
 * a branch deploys.
 */
import { classifyBranch, environmentFor } from '../../src/lib/version/gitflow.js'
import { FIRST_PARTY, type StepCall, type StepOracle } from './workflow-model.js'

export const TREE = 'a1'.repeat(20)
export const BUILT_DIGEST = `sha256:${'b'.repeat(64)}`
export const TESTED_DIGEST = `sha256:${'d'.repeat(64)}`

const VERSIONS: Record<string, string> = {
  main: '1.2.0',
  develop: '1.3.0-alpha.4',
  release: '1.2.0-beta.1',
  hotfix: '1.2.1-beta.1',
  feature: '1.3.0-x.1',
  'pull-request': '1.3.0-PullRequest7.2',
  support: '1.1.5',
  unknown: '1.3.0-branch.1'
}

function versionTag(call: StepCall): Record<string, string> {
  const github = call.github
  const event = github.event as { pull_request?: { number?: number } }
  const given = String(call.with.branch ?? '')
  const pullRequest =
    !given && github.event_name === 'pull_request' ? event.pull_request?.number : undefined
  const branch =
    given || String(github.head_ref || String(github.ref).replace(/^refs\/heads\//, ''))
  const info = classifyBranch(branch, pullRequest)
  const version = VERSIONS[info.kind] as string
  return {
    version,
    'full-version': `${version}+4`,
    tag: `v${version}`,
    environment: environmentFor(info.kind),
    'is-release': String(!version.includes('-')),
    tree: TREE,
    sha: String(github.sha)
  }
}

function action(uses: string | undefined): string | undefined {
  if (!uses?.startsWith(`${FIRST_PARTY}/`)) return undefined
  return uses.slice(FIRST_PARTY.length + 1).replace(/@.*$/, '')
}

/**
 * Outputs per step; `overrides` answers first (return undefined to fall through), e.g. to make
 * the bake gate judge `fail`.
 */
export function fakeActions(
  overrides: (call: StepCall) => Record<string, string> | undefined = () => undefined
): StepOracle {
  return call => {
    const overridden = overrides(call)
    if (overridden) return overridden
    switch (action(call.uses)) {
      case 'actions/version-tag':
        return versionTag(call)
      case 'actions/build-image': {
        const digest = call.with['promote-from'] ? TESTED_DIGEST : BUILT_DIGEST
        return {
          digest,
          image: String(call.with.image),
          'image-ref': `${call.with.image}@${digest}`
        }
      }
      case 'deploy':
        return {
          verdict: call.with.strategy === 'canary' ? 'pass' : '',
          revision: '4',
          'previous-revision': '3',
          status: 'deployed'
        }
      case 'actions/canary-gate':
        return { verdict: 'pass', score: '100', report: '{}' }
      case 'actions/rollback':
        return {
          'from-revision': '4',
          'to-revision': '3',
          'new-revision': '5',
          'rolled-back': 'true',
          audit: '{}'
        }
      case 'actions/run-model-tests':
        return { passed: 'true', tests: '12', failures: '0', metrics: '{}', regressions: '[]' }
      default:
        break
    }
    // A run step that is not executed: a deployment history in which staging tested this tree.
    if (call.job === 'promote-image' && call.stepId === 'tested') return { digest: TESTED_DIGEST }
    return {}
  }
}
