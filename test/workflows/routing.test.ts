/**
 * Which jobs run, and where they deploy, for each GitFlow event: the workflows are parsed by
 * GitHub's parser and their conditions evaluated by GitHub's evaluator (see workflow-model.ts for
 * what is modelled and how). The route itself comes from the GitFlow library version-tag uses.
 */
import { BUILT_DIGEST, TESTED_DIGEST, TREE, fakeActions } from './fake-actions.js'
import {
  FAILED_STEP,
  deployingJobs,
  ranJobs,
  simulate,
  type Scenario,
  type Simulation
} from './workflow-model.js'

const PROMOTE = '.github/workflows/promote.yml'
const PR_CHECKS = '.github/workflows/pr-checks.yml'
const ROLLBACK = '.github/workflows/rollback.yml'
const PIPELINE_TEMPLATE = 'workflows-templates/mlops-pipeline.yml'
const ROLLBACK_TEMPLATE = 'workflows-templates/mlops-rollback.yml'

const push = (branch: string): Scenario => ({ event: 'push', ref: `refs/heads/${branch}` })
const pullRequest = (fork = false): Scenario => ({
  event: 'pull_request',
  ref: 'refs/pull/7/merge',
  headRef: 'feature/x',
  baseRef: 'develop',
  event_payload: {
    pull_request: {
      number: 7,
      head: { repo: { full_name: fork ? 'someone/churn-model' : 'acme/churn-model' } }
    }
  }
})
const dispatch = (branch: string, inputs: Record<string, unknown> = {}): Scenario => ({
  event: 'workflow_dispatch',
  ref: `refs/heads/${branch}`,
  inputs
})

const promoteInputs = {
  image: 'ghcr.io/acme/churn-model',
  release: 'model',
  chart: 'chart',
  'prometheus-url': 'https://prometheus.example.com',
  metrics: '- name: error-rate\n  query: up\n  max: 0.02',
  'bake-metrics': '- name: error-rate\n  query: up\n  max: 0.02'
}

async function promote(
  scenario: Scenario,
  inputs: Record<string, unknown> = {},
  oracle = fakeActions()
): Promise<Simulation> {
  return simulate(PROMOTE, scenario, { oracle }, { ...promoteInputs, ...inputs }, true)
}

describe('promote.yml routes each ref to its environment', () => {
  const DEV = { plan: null, build: null, 'deploy-dev': 'dev' }
  const STAGING = { plan: null, build: null, 'deploy-staging': 'staging' }
  const PROD = {
    plan: null,
    'promote-image': null,
    'deploy-prod': 'prod',
    bake: 'prod',
    tag: null
  }
  const NOTHING = { plan: null }

  test.each<[string, Scenario, Record<string, string | null>, string]>([
    ['push to develop', push('develop'), DEV, 'dev'],
    ['push to release/1.2.0', push('release/1.2.0'), STAGING, 'staging'],
    ['push to release-1.2.0 (GitFlow/v1 pattern)', push('release-1.2.0'), STAGING, 'staging'],
    ['push to hotfix/1.2.1', push('hotfix/1.2.1'), STAGING, 'staging'],
    ['push to main', push('main'), PROD, 'prod'],
    ['push to feature/x', push('feature/x'), NOTHING, 'none'],
    ['a pull request', pullRequest(), NOTHING, 'none'],
    ['workflow_dispatch on main', dispatch('main'), PROD, 'prod'],
    ['workflow_dispatch on develop', dispatch('develop'), DEV, 'dev'],
    ['push of a tag', { event: 'push', ref: 'refs/tags/v1.2.0' }, NOTHING, 'none']
  ])('%s', async (_name, scenario, expected, environment) => {
    const run = await promote(scenario)
    expect(ranJobs(run)).toEqual(expected)
    expect(run.outputs.environment).toBe(environment)
  })

  test('a pull request or a tag never deploys, even if version-tag named an environment', async () => {
    const oracle = fakeActions(call =>
      call.stepId === 'version' ? { version: '1.2.0', environment: 'prod', tree: TREE } : undefined
    )
    for (const scenario of [pullRequest(), { event: 'push', ref: 'refs/tags/v1.2.0' }]) {
      const run = await promote(scenario, {}, oracle)
      expect(ranJobs(run)).toEqual({ plan: null })
      expect(run.outputs.environment).toBe('none')
    }
    expect(ranJobs(await promote(push('main'), {}, oracle))).toMatchObject({
      'deploy-prod': 'prod'
    })
  })

  test('dev and staging deploy the image built for the tree; prod the digest staging tested', async () => {
    expect((await promote(push('develop'))).outputs.digest).toBe(BUILT_DIGEST)
    expect((await promote(push('hotfix/1.2.1'))).outputs.digest).toBe(BUILT_DIGEST)
    const prod = await promote(push('main'))
    expect(prod.outputs.digest).toBe(TESTED_DIGEST)
    expect(prod.jobs['build']?.result).toBe('skipped')
    expect(prod.outputs).toMatchObject({ version: '1.2.0', verdict: 'pass' })
  })

  test('builds once per tree, and prod promotes the tree image only at the tested digest', async () => {
    const images: Record<string, Record<string, unknown>> = {}
    const oracle = fakeActions(call => {
      if (call.uses?.includes('/actions/build-image@'))
        images[`${call.job}.${call.stepId}`] = call.with
      return undefined
    })
    await promote(push('release/1.2.0'), {}, oracle)
    await promote(push('main'), {}, oracle)
    expect(images['build.build']).toMatchObject({
      image: 'ghcr.io/acme/churn-model',
      version: '1.2.0-beta.1',
      tree: TREE,
      'reuse-tree': true
    })
    expect(images['promote-image.promote']).toMatchObject({
      'promote-from': `ghcr.io/acme/churn-model:tree-${TREE}`,
      'expected-digest': TESTED_DIGEST,
      version: '1.2.0'
    })
  })

  test('the workflow token goes to ghcr.io only; elsewhere REGISTRY_PASSWORD or nothing', async () => {
    const credentials = async (image: string, secrets: Record<string, string> = {}) => {
      let given: Record<string, unknown> = {}
      const oracle = fakeActions(call => {
        if (call.stepId === 'build') given = call.with
        return undefined
      })
      await simulate(
        PROMOTE,
        { ...push('develop'), secrets },
        { oracle },
        { ...promoteInputs, image },
        true
      )
      return { username: given.username, password: given.password }
    }
    expect(await credentials('ghcr.io/acme/churn-model')).toEqual({
      username: 'maintainer',
      password: 'ghs_token'
    })
    expect(await credentials('quay.io/acme/churn-model')).toEqual({ username: '', password: '' })
    expect(
      await credentials('quay.io/acme/churn-model', { REGISTRY_PASSWORD: 'robot-token' })
    ).toEqual({
      username: 'maintainer',
      password: 'robot-token'
    })
  })

  test('every deploy job runs in its environment, in a per-environment group that never cancels', async () => {
    for (const scenario of [push('develop'), push('release/1.2.0'), push('main')]) {
      const jobs = deployingJobs(await promote(scenario))
      expect(jobs.length).toBeGreaterThan(0)
      for (const job of jobs) {
        expect(job.concurrency).toEqual({
          group: `mlops-deploy-model-${job.environment}`,
          cancelInProgress: false
        })
      }
    }
  })
})

describe('promote.yml on main: what a failure upstream skips', () => {
  test('the promoted digest not being the tested one stops prod, the bake and the tag', async () => {
    const run = await promote({ ...push('main'), failing: ['promote-image'] })
    expect(run.jobs['promote-image']?.result).toBe('failure')
    expect(run.jobs['deploy-prod']?.result).toBe('skipped')
    expect(run.jobs['bake']?.result).toBe('skipped')
    expect(run.jobs['tag']?.result).toBe('skipped')
  })

  test('a failed canary skips the bake and the tag', async () => {
    const run = await promote({ ...push('main'), failing: ['deploy-prod'] })
    expect(run.jobs['bake']?.result).toBe('skipped')
    expect(run.jobs['tag']?.result).toBe('skipped')
  })

  test('a bad bake rolls prod back, fails the job and leaves the release untagged', async () => {
    const rolledBack: Record<string, unknown>[] = []
    const oracle = fakeActions(call => {
      if (call.stepId === 'watch') return { verdict: 'fail', score: '40', [FAILED_STEP]: 'failure' }
      if (call.stepId === 'rollback') rolledBack.push(call.with)
      return undefined
    })
    const run = await simulate(
      PROMOTE,
      push('main'),
      { oracle, execute: ['promote.yml:bake:result'] },
      promoteInputs,
      true
    )
    expect(rolledBack).toEqual([
      expect.objectContaining({
        release: 'model',
        environment: 'prod',
        namespace: 'prod',
        target: 'previous',
        reason: 'Bake of 1.2.0 in prod: monitoring verdict fail (score 40).'
      })
    ])
    expect(run.jobs['bake']?.result).toBe('failure')
    expect(run.jobs['bake']?.executed['result']?.stdout).toContain(
      '::error title=Bake failed::Monitoring judged 1.2.0 fail in prod; it was rolled back to revision 3.'
    )
    expect(run.jobs['tag']?.result).toBe('skipped')
    expect(run.outputs.verdict).toBe('fail')
  })

  test('a bake gate that cannot start fails the job without rolling back', async () => {
    const rolledBack: string[] = []
    const oracle = fakeActions(call => {
      if (call.stepId === 'watch') return { [FAILED_STEP]: 'failure' }
      if (call.stepId === 'rollback') rolledBack.push(call.stepId)
      return undefined
    })
    const run = await simulate(
      PROMOTE,
      push('main'),
      { oracle, execute: ['promote.yml:bake:result'] },
      promoteInputs,
      true
    )
    expect(rolledBack).toEqual([])
    expect(run.jobs['bake']?.result).toBe('failure')
    expect(run.jobs['bake']?.executed['result']?.stdout).toContain('Prod was not rolled back.')
  })

  test('with the bake turned off the tag still follows a good canary (a skipped need, handled)', async () => {
    for (const inputs of [{ 'bake-iterations': 0 }, { 'bake-metrics': '', alerts: '' }]) {
      const run = await promote(push('main'), inputs)
      expect(run.jobs['bake']?.result).toBe('skipped')
      expect(run.jobs['tag']?.result).toBe('success')
      expect(run.outputs.verdict).toBe('pass')
    }
  })

  test('create-tag: false leaves the release untagged', async () => {
    const run = await promote(push('main'), { 'create-tag': false })
    expect(run.jobs['tag']?.result).toBe('skipped')
  })
})

describe('pr-checks.yml', () => {
  const inputs = { image: 'ghcr.io/acme/churn-model', chart: 'chart' }
  const checks = (scenario: Scenario, extra: Record<string, unknown> = {}) =>
    simulate(PR_CHECKS, scenario, { oracle: fakeActions() }, { ...inputs, ...extra }, true)

  test('a pull request gets every check and one comment, and deploys nowhere', async () => {
    const run = await checks(pullRequest())
    expect(ranJobs(run)).toEqual({
      version: null,
      'model-tests': null,
      image: null,
      chart: null,
      comment: null
    })
    expect(run.outputs).toMatchObject({
      version: '1.3.0-PullRequest7.2',
      'ships-as': '1.3.0-alpha.4'
    })
  })

  test('failing model tests still get their comment', async () => {
    const run = await checks({ ...pullRequest(), failing: ['model-tests'] })
    expect(run.jobs['model-tests']?.result).toBe('failure')
    expect(run.jobs['comment']?.result).toBe('success')
  })

  test("a fork's pull request gets no comment (its token cannot write one)", async () => {
    const run = await checks(pullRequest(true))
    expect(run.jobs['comment']?.result).toBe('skipped')
    expect(run.jobs['model-tests']?.result).toBe('success')
  })

  test('no image and no chart skip those checks, not the comment', async () => {
    const run = await checks(pullRequest(), { image: '', chart: '' })
    expect(ranJobs(run)).toEqual({ version: null, 'model-tests': null, comment: null })
  })
})

describe('the pipeline template end to end', () => {
  const pipeline = (scenario: Scenario) =>
    simulate(PIPELINE_TEMPLATE, scenario, { oracle: fakeActions() })

  test.each<[string, Scenario, string | null]>([
    ['push to develop', push('develop'), 'dev'],
    ['push to release/1.2.0', push('release/1.2.0'), 'staging'],
    ['push to hotfix/1.2.1', push('hotfix/1.2.1'), 'staging'],
    ['push to main', push('main'), 'prod'],
    ['workflow_dispatch on main', dispatch('main'), 'prod']
  ])('%s deploys to %s', async (_name, scenario, environment) => {
    const run = await pipeline(scenario)
    expect(run.jobs['checks']?.result).toBe('skipped')
    const deployed = deployingJobs(run).map(job => job.environment)
    expect(new Set(deployed)).toEqual(new Set([environment]))
  })

  test('a push to feature/x does not start the pipeline', async () => {
    expect((await pipeline(push('feature/x'))).triggered).toBe(false)
  })

  test('a pull request runs the checks only', async () => {
    const run = await pipeline(pullRequest())
    expect(run.jobs['promote']?.result).toBe('skipped')
    expect(Object.keys(ranJobs(run)).sort()).toEqual([
      'checks/chart',
      'checks/comment',
      'checks/image',
      'checks/model-tests',
      'checks/version'
    ])
    expect(deployingJobs(run)).toEqual([])
  })
})

describe('rollback.yml', () => {
  const execute = ['rollback.yml:validate:request']
  const rollback = (scenario: Scenario) =>
    simulate(ROLLBACK, scenario, { oracle: fakeActions(), execute })
  const repositoryDispatch = (payload: Record<string, unknown>, action = 'rollback'): Scenario => ({
    event: 'repository_dispatch',
    ref: 'refs/heads/main',
    event_payload: { action, client_payload: payload }
  })

  test('from the Actions tab: rolls prod back in the group promote.yml deploys prod in', async () => {
    const run = await rollback(
      dispatch('main', {
        environment: 'prod',
        target: 'previous',
        reason: 'error rate up',
        release: 'model'
      })
    )
    expect(ranJobs(run)).toEqual({ validate: null, rollback: 'prod' })
    expect(run.jobs['validate']?.outputs).toEqual({
      environment: 'prod',
      target: 'previous',
      reason: 'error rate up',
      release: 'model',
      namespace: 'prod',
      'dry-run': 'false'
    })
    const promoted = await promote(push('main'))
    expect(run.jobs['rollback']?.concurrency).toEqual(promoted.jobs['deploy-prod']?.concurrency)
  })

  test('from an alert relay: reads environment, target and reason from client_payload', async () => {
    const run = await rollback(
      repositoryDispatch({
        environment: 'staging',
        reason: 'alert ModelHighErrorRate',
        release: 'model'
      })
    )
    expect(ranJobs(run)).toEqual({ validate: null, rollback: 'staging' })
    expect(run.jobs['validate']?.outputs).toMatchObject({
      target: 'previous',
      reason: 'alert ModelHighErrorRate'
    })
  })

  test('a payload cannot choose the namespace, and without an explicit false it is a dry run', async () => {
    const run = await rollback(
      repositoryDispatch({
        environment: 'prod',
        reason: 'r',
        release: 'model',
        namespace: 'kube-system'
      })
    )
    expect(run.jobs['validate']?.outputs).toMatchObject({ namespace: 'prod', 'dry-run': 'true' })
    const real = await rollback(
      repositoryDispatch({ environment: 'prod', reason: 'r', release: 'model', 'dry-run': false })
    )
    expect(real.jobs['validate']?.outputs).toMatchObject({ 'dry-run': 'false' })
  })

  test('another repository_dispatch type does not start it', async () => {
    const run = await rollback(repositoryDispatch({ environment: 'prod' }, 'deploy'))
    expect(run.triggered).toBe(false)
  })

  test('the release falls back to the MLOPS_RELEASE variable', async () => {
    const run = await rollback({
      ...dispatch('main', { environment: 'dev', target: '12', reason: 'bad build' }),
      vars: { MLOPS_RELEASE: 'churn' }
    })
    expect(run.jobs['validate']?.outputs).toMatchObject({
      release: 'churn',
      namespace: 'dev',
      target: '12'
    })
  })

  test.each(['previous', 'last-good', '7', 'v1.2.3', '1.2.3', 'v1.3.0-beta.2'])(
    'accepts the target %s',
    async target => {
      const run = await rollback(
        dispatch('main', { environment: 'prod', target, reason: 'r', release: 'model' })
      )
      expect(run.jobs['rollback']?.result).toBe('success')
    }
  )

  test('refuses a bad request before touching anything, naming every bad value', async () => {
    const run = await rollback({
      ...repositoryDispatch({
        environment: 'qa',
        target: '1.2',
        reason: '  ',
        release: 'Model_X',
        'dry-run': 'maybe'
      })
    })
    expect(run.jobs['validate']?.result).toBe('failure')
    expect(run.jobs['rollback']?.result).toBe('skipped')
    const errors = (run.jobs['validate']?.executed['request']?.stdout ?? '')
      .split('\n')
      .filter(line => line.startsWith('::error'))
    expect(errors).toEqual([
      "::error title=Invalid rollback request (repository_dispatch)::environment: got 'qa', expected one of dev,staging,prod",
      "::error title=Invalid rollback request (repository_dispatch)::target: got '1.2', expected previous, last-good, a revision number or a version such as v1.2.3",
      '::error title=Invalid rollback request (repository_dispatch)::reason: empty; say why (it is kept in the audit record)',
      "::error title=Invalid rollback request (repository_dispatch)::release: got 'Model_X', expected a Helm release name (lowercase letters, digits and '-', at most 53)",
      "::error title=Invalid rollback request (repository_dispatch)::dry-run: got 'maybe', expected true or false"
    ])
  })

  test('payload text cannot forge outputs or workflow commands', async () => {
    const run = await rollback(
      repositoryDispatch({
        environment: 'prod',
        release: 'model',
        reason: 'alert fired\nenvironment=dev\n::add-mask::x'
      })
    )
    expect(run.jobs['validate']?.outputs).toMatchObject({
      environment: 'prod',
      reason: 'alert fired environment=dev ::add-mask::x'
    })
    expect(run.jobs['rollback']?.environment).toBe('prod')

    const forged = await rollback(
      repositoryDispatch({ environment: 'prod\nrelease=evil', release: 'model', reason: 'r' })
    )
    expect(forged.jobs['rollback']?.result).toBe('skipped')
    const stdout = forged.jobs['validate']?.executed['request']?.stdout ?? ''
    expect(stdout).toContain("environment: got 'prodrelease=evil'")
    expect(stdout.split('\n').some(line => line.startsWith('release=evil'))).toBe(false)
  })
})

describe('the rollback template', () => {
  const run = (scenario: Scenario) =>
    simulate(ROLLBACK_TEMPLATE, scenario, {
      oracle: fakeActions(),
      execute: ['rollback.yml:validate:request']
    })

  test('a maintainer rolls prod back from the Actions tab', async () => {
    const result = await run(dispatch('main', { environment: 'prod', reason: 'latency doubled' }))
    expect(ranJobs(result)).toEqual({ 'rollback/validate': null, 'rollback/rollback': 'prod' })
  })

  test('an alert relay rolls staging back', async () => {
    const result = await run({
      event: 'repository_dispatch',
      ref: 'refs/heads/main',
      event_payload: {
        action: 'rollback',
        client_payload: { environment: 'staging', reason: 'alert', 'dry-run': false }
      }
    })
    expect(ranJobs(result)).toEqual({ 'rollback/validate': null, 'rollback/rollback': 'staging' })
    const validated = result.jobs['rollback']?.called?.jobs['validate']?.outputs
    expect(validated).toMatchObject({ release: 'model', target: 'previous', 'dry-run': 'false' })
  })

  test.each([
    ['the string "true"', 'true', 'true'],
    ['no dry-run at all', undefined, 'true'],
    ['the string "false"', 'false', 'false'],
    ['the boolean false', false, 'false'],
    ['the boolean true', true, 'true']
  ])('the template reads a relay payload with %s', async (_, dryRun, expected) => {
    const result = await run({
      event: 'repository_dispatch',
      ref: 'refs/heads/main',
      event_payload: {
        action: 'rollback',
        client_payload: { environment: 'prod', reason: 'alert', 'dry-run': dryRun }
      }
    })
    const validated = result.jobs['rollback']?.called?.jobs['validate']?.outputs
    expect(validated).toMatchObject({ 'dry-run': expected })
  })
})
