/** version-tag run as the runner runs it: the bundled dist/version-tag/index.js on real git. */
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
    const run = await runActionBundle('version-tag', { workspace: repo.dir, env: { GITHUB_REF: 'refs/heads/develop' } })
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
    const release = await runActionBundle('version-tag', { workspace: repo.dir, env: { GITHUB_REF: 'refs/heads/release/1.1.0' } })
    expect(release.outputs['full-version']).toBe('1.1.0-beta.1+3')
    expect(release.outputs.version).toBe('1.1.0-beta.1')
    expect(release.outputs.environment).toBe('staging')

    repo.checkout('main')
    repo.mergeNoFF('release/1.1.0')
    const main = await runActionBundle('version-tag', { workspace: repo.dir, env: { GITHUB_REF: 'refs/heads/main' } })
    expect(main.outputs.version).toBe('1.1.0')
    expect(main.outputs.tag).toBe('v1.1.0')
    expect(main.outputs['is-release']).toBe('true')
    expect(main.outputs.environment).toBe('prod')

    repo.branch('hotfix/1.1.1')
    repo.commit('fix: urgent')
    const hotfix = await runActionBundle('version-tag', { workspace: repo.dir, env: { GITHUB_REF: 'refs/heads/hotfix/1.1.1' } })
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
  ])('bad input %s=%j fails before anything runs, naming the input', async (input, value, accepted) => {
    const repo = gitflowRepo()
    const run = await runActionBundle('version-tag', { workspace: repo.dir, inputs: { [input]: value } })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(`Input "${input}"`)
    expect(run.errors[0]).toContain(accepted)
    expect(run.stdout).not.toMatch(/\s+at .*\.js:\d+/) // no stack trace for a user's mistake
    expect(run.outputs).toEqual({})
  })

  test('a shallow clone is deepened from its remote', async () => {
    const origin = gitflowRepo()
    const clone = GitRepo.create('develop')
    clone.git('remote', 'add', 'origin', `file://${origin.dir}`)
    clone.git('fetch', '-q', '--depth=1', 'origin', 'develop')
    clone.git('checkout', '-q', '-B', 'develop', 'FETCH_HEAD')
    expect(clone.git('rev-parse', '--is-shallow-repository')).toBe('true')
    const run = await runActionBundle('version-tag', { workspace: clone.dir, env: { GITHUB_REF: 'refs/heads/develop' } })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.version).toBe('1.1.0-alpha.2')
    expect(clone.git('rev-parse', '--is-shallow-repository')).toBe('false')
  })

  test('a shallow clone without a remote says to set fetch-depth: 0', async () => {
    const origin = gitflowRepo()
    const clone = GitRepo.create('develop')
    clone.git('fetch', '-q', '--depth=1', `file://${origin.dir}`, 'develop')
    clone.git('checkout', '-q', '-B', 'develop', 'FETCH_HEAD')
    const run = await runActionBundle('version-tag', { workspace: clone.dir, env: { GITHUB_REF: 'refs/heads/develop' } })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toContain('fetch-depth: 0')
  })
})
