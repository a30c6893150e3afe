/** version-tag run as the runner runs it: the bundled dist/version-tag/index.js on real git. */
import { startGitHubSimulator, type GitHubSimulator } from '../github-sim/index.js'
import { runActionBundle } from '../harness/run-action.js'
import { GitRepo } from '../support/git-repo.js'

function gitflowRepo(): GitRepo {
  const repo = GitRepo.create('main')
  repo.commit('initial')
  repo.tag('v1.0.0')
  repo.branch('develop')
  repo.commit('feat: first feature')
  repo.commit('fix: a bug')
  return repo
}

describe('version-tag (bundled, as the runner runs it)', () => {
  test('develop gives the next minor with the alpha label and every output of SPEC', async () => {
    const repo = gitflowRepo()
    const run = await runActionBundle('version-tag', {
      workspace: repo.dir,
      env: { GITHUB_REF: 'refs/heads/develop' }
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toEqual({
      version: '1.1.0-alpha.2',
      'full-version': '1.1.0-alpha.2',
      major: '1',
      minor: '1',
      patch: '0',
      prerelease: 'alpha.2',
      tag: 'v1.1.0-alpha.2',
      'previous-version': '1.0.0',
      bump: 'minor',
      environment: 'dev',
      'is-release': 'false',
      sha: repo.head(),
      tree: repo.git('rev-parse', 'HEAD^{tree}')
    })
    expect(run.summary).toContain('Version `1.1.0-alpha.2`')
    expect(run.summary).toContain('tag v1.0.0')
    expect(run.summary).toContain('dev')
  })

  test('release and hotfix branches go to staging with the beta label; main to prod as a release', async () => {
    const repo = gitflowRepo()
    repo.branch('release/1.1.0')
    repo.commit('release: stabilise')
    const release = await runActionBundle('version-tag', {
      workspace: repo.dir,
      env: { GITHUB_REF: 'refs/heads/release/1.1.0' }
    })
    expect(release.outputs['full-version']).toBe('1.1.0-beta.1+3')
    expect(release.outputs.version).toBe('1.1.0-beta.1')
    expect(release.outputs.environment).toBe('staging')

    repo.checkout('main')
    repo.mergeNoFF('release/1.1.0')
    const main = await runActionBundle('version-tag', {
      workspace: repo.dir,
      env: { GITHUB_REF: 'refs/heads/main' }
    })
    expect(main.outputs.version).toBe('1.1.0')
    expect(main.outputs.tag).toBe('v1.1.0')
    expect(main.outputs['is-release']).toBe('true')
    expect(main.outputs.environment).toBe('prod')

    repo.branch('hotfix/1.1.1')
    repo.commit('fix: urgent')
    const hotfix = await runActionBundle('version-tag', {
      workspace: repo.dir,
      env: { GITHUB_REF: 'refs/heads/hotfix/1.1.1' }
    })
    expect(hotfix.outputs.version).toBe('1.1.1-beta.1')
    expect(hotfix.outputs.environment).toBe('staging')
  })

  test('a pull request event gives PullRequest<number>', async () => {
    const repo = gitflowRepo()
    repo.branch('feature/faster')
    repo.commit()
    const run = await runActionBundle('version-tag', {
      workspace: repo.dir,
      eventName: 'pull_request',
      event: { number: 12, pull_request: { number: 12 } },
      env: { GITHUB_REF: 'refs/pull/12/merge', GITHUB_HEAD_REF: 'feature/faster' }
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.version).toBe('1.1.0-PullRequest12.3')
    expect(run.outputs.environment).toBe('none')
  })

  test('a pushed release tag is versioned as the release it names', async () => {
    const repo = gitflowRepo()
    repo.checkout('main')
    repo.commit('fix: last one')
    repo.tag('v1.0.1')
    repo.git('checkout', '-q', '--detach', 'v1.0.1')
    const run = await runActionBundle('version-tag', {
      workspace: repo.dir,
      env: { GITHUB_REF: 'refs/tags/v1.0.1' }
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.version).toBe('1.0.1')
    expect(run.outputs['is-release']).toBe('true')
  })

  test('the branch input overrides the ref, and custom labels apply', async () => {
    const repo = gitflowRepo()
    const run = await runActionBundle('version-tag', {
      workspace: repo.dir,
      inputs: { branch: 'develop', 'develop-label': 'dev' },
      env: { GITHUB_REF: 'refs/heads/somewhere-else' }
    })
    expect(run.outputs.version).toBe('1.1.0-dev.2')
  })

  test.each([
    ['create-tag', 'maybe', 'true or false'],
    ['tag-prefix', 'v; rm -rf /', 'letters, digits'],
    ['tag-prefix', 'v $(id)', 'letters, digits'],
    ['branch', 'feature/x; touch /tmp/pwned', 'a git branch name'],
    ['branch', '--upload-pack=evil', 'a git branch name'],
    ['branch', 'a b', 'a git branch name'],
    ['develop-label', 'al.pha', 'letters, digits and "-"']
  ])(
    'bad input %s=%j fails before anything runs, naming the input',
    async (input, value, accepted) => {
      const repo = gitflowRepo()
      const run = await runActionBundle('version-tag', {
        workspace: repo.dir,
        inputs: { [input]: value }
      })
      expect(run.exitCode).toBe(1)
      expect(run.errors).toHaveLength(1)
      expect(run.errors[0]).toContain(`Input "${input}"`)
      expect(run.errors[0]).toContain(accepted)
      expect(run.stdout).not.toMatch(/\s+at .*\.js:\d+/) // no stack trace for a user's mistake
      expect(run.outputs).toEqual({})
    }
  )

  test('a shallow clone is deepened from its remote', async () => {
    const origin = gitflowRepo()
    const clone = GitRepo.create('develop')
    clone.git('remote', 'add', 'origin', `file://${origin.dir}`)
    clone.git('fetch', '-q', '--depth=1', 'origin', 'develop')
    clone.git('checkout', '-q', '-B', 'develop', 'FETCH_HEAD')
    expect(clone.git('rev-parse', '--is-shallow-repository')).toBe('true')
    const run = await runActionBundle('version-tag', {
      workspace: clone.dir,
      env: { GITHUB_REF: 'refs/heads/develop' }
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.version).toBe('1.1.0-alpha.2')
    expect(clone.git('rev-parse', '--is-shallow-repository')).toBe('false')
  })

  test('a shallow clone without a remote says to set fetch-depth: 0', async () => {
    const origin = gitflowRepo()
    const clone = GitRepo.create('develop')
    clone.git('fetch', '-q', '--depth=1', `file://${origin.dir}`, 'develop')
    clone.git('checkout', '-q', '-B', 'develop', 'FETCH_HEAD')
    const run = await runActionBundle('version-tag', {
      workspace: clone.dir,
      env: { GITHUB_REF: 'refs/heads/develop' }
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toContain('fetch-depth: 0')
  })
})

describe('version-tag create-tag through the GitHub API (simulator)', () => {
  let github: GitHubSimulator
  beforeEach(async () => {
    github = await startGitHubSimulator({ acceptAnySha: true })
  })
  afterEach(async () => {
    github.assertNoViolations()
    await github.stop()
  })

  function onMain(): GitRepo {
    const repo = gitflowRepo()
    repo.checkout('main')
    repo.commit('fix: last-minute')
    return repo
  }

  const tagRun = (repo: GitRepo) =>
    runActionBundle('version-tag', {
      workspace: repo.dir,
      inputs: { 'create-tag': 'true', 'github-token': 'ghs_secretTokenValue1234567890' },
      env: { ...github.env, GITHUB_REF: 'refs/heads/main' }
    })

  /** The commit the tag names, through its annotated tag object. */
  function taggedCommit(tag: string): string | undefined {
    const object = github.state.ref('acme/model-repo', `refs/tags/${tag}`)
    if (!object) return undefined
    const annotated = github.state.tagObject(object)
    expect(annotated?.tag).toBe(tag)
    return annotated?.object.sha
  }

  test('creates an annotated tag, and a re-run on the same commit is a no-op', async () => {
    const repo = onMain()
    const first = await tagRun(repo)
    expect(first.exitCode).toBe(0)
    expect(first.outputs.tag).toBe('v1.0.1')
    expect(taggedCommit('v1.0.1')).toBe(repo.head())
    expect(first.summary).toContain('created')
    expect(first.masks).toContain('ghs_secretTokenValue1234567890')
    const unmasked = first.stdout.split('\n').filter(l => !l.startsWith('::add-mask::'))
    expect(unmasked.join('\n')).not.toContain('ghs_secretTokenValue1234567890')

    const again = await tagRun(repo)
    expect(again.exitCode).toBe(0)
    expect(again.summary).toContain('already there')
    expect(
      github.state.refs('acme/model-repo').filter(r => r.ref.startsWith('refs/tags/'))
    ).toHaveLength(1)
  })

  test('a tag that already points to another commit is a clear error and is not moved', async () => {
    const repo = onMain()
    github.state.setRef('acme/model-repo', 'refs/tags/v1.0.1', 'f'.repeat(40))
    const run = await tagRun(repo)
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toContain('Tag v1.0.1 already exists and points to ffffffffffff')
    expect(github.state.ref('acme/model-repo', 'refs/tags/v1.0.1')).toBe('f'.repeat(40))
  })

  test('two runs racing for one tag both succeed and leave one tag', async () => {
    const repo = onMain()
    const [a, b] = await Promise.all([tagRun(repo), tagRun(repo)])
    expect([a.exitCode, b.exitCode]).toEqual([0, 0])
    expect(taggedCommit('v1.0.1')).toBe(repo.head())
    expect(
      github.state.refs('acme/model-repo').filter(r => r.ref.startsWith('refs/tags/'))
    ).toHaveLength(1)
  })

  test('a 502 and a secondary rate limit are retried, then the tag is created', async () => {
    const repo = onMain()
    github.faults.add({ status: 502, path: '/git/tags', method: 'POST' })
    github.faults.add({
      type: 'secondary-rate-limit',
      retryAfter: 1,
      path: '/git/refs',
      method: 'POST'
    })
    const run = await tagRun(repo)
    expect(run.exitCode).toBe(0)
    expect(taggedCommit('v1.0.1')).toBe(repo.head())
    expect(github.faults.fired.map(f => f.type)).toEqual(['status', 'secondary-rate-limit'])
  })

  test('a GitHub that keeps failing ends in a clear failure after bounded retries', async () => {
    const repo = onMain()
    github.faults.add({ status: 502, path: '/git/', times: Infinity })
    const run = await tagRun(repo)
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toMatch(/502|Bad Gateway|Server Error/i)
    expect(github.state.ref('acme/model-repo', 'refs/tags/v1.0.1')).toBeUndefined()
  }, 60_000)
})
