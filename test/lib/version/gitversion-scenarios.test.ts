/**
 * Scenarios ported from GitVersion's integration tests (src/GitVersion.Core.Tests/IntegrationTests:
 * GitflowScenarios, DocumentationSamplesForGitFlow, DevelopScenarios, ReleaseBranchScenarios,
 * HotfixBranchScenarios), replayed with real git. Expected values are GitVersion 6's FullSemVer
 * under GitFlow/v1, with one deliberate difference: on main, GitVersion writes an untagged commit
 * as `1.2.0-5`; this suite gives main its release version (`1.2.0`, full `1.2.0+5`) so that it
 * can be tagged, and `gv()` below translates GitVersion's main values accordingly.
 */
import { createGit } from '../../../src/lib/git.js'
import { calculateVersion } from '../../../src/lib/version/calculate.js'
import { GitRepo } from '../../support/git-repo.js'

const labels = { develop: 'alpha', release: 'beta', hotfix: 'beta' }

async function versionOf(repo: GitRepo, branch?: string): Promise<string> {
  const current = branch ?? repo.git('symbolic-ref', '--short', 'HEAD')
  const result = await calculateVersion({
    git: createGit(repo.dir),
    branch: current,
    tagPrefix: 'v',
    labels
  })
  return result.fullVersion
}

/** GitVersion's value, translated for main's release mode (`1.2.0-5` becomes `1.2.0+5`). */
function gv(expected: string, branch: string): string {
  if (branch === 'main' || branch.startsWith('support')) {
    const m = /^(\d+\.\d+\.\d+)-(\d+)$/.exec(expected)
    if (m) return `${m[1]}+${m[2]}`
  }
  return expected
}

async function expectVersion(repo: GitRepo, expected: string): Promise<void> {
  const branch = repo.git('symbolic-ref', '--short', 'HEAD')
  expect(`${branch}: ${await versionOf(repo)}`).toBe(`${branch}: ${gv(expected, branch)}`)
}

describe('GitflowScenarios.GitflowComplexExample', () => {
  test('features, two releases and a hotfix', async () => {
    const repo = GitRepo.create('main')
    repo.commit('Initial commit on main')
    repo.tag('1.0.0')
    repo.branch('develop')
    repo.commit('develop 1')
    await expectVersion(repo, '1.1.0-alpha.1')

    repo.branch('feature/f1')
    repo.commit('added feature 1')
    await expectVersion(repo, '1.1.0-f1.1+2')
    repo.checkout('develop')
    repo.mergeNoFF('feature/f1')
    await expectVersion(repo, '1.1.0-alpha.3')

    repo.branch('release/1.1.0')
    repo.commit('release stabilization')
    await expectVersion(repo, '1.1.0-beta.1+4')
    repo.checkout('main')
    repo.mergeNoFF('release/1.1.0')
    await expectVersion(repo, '1.1.0-5')
    repo.tag('1.1.0')
    await expectVersion(repo, '1.1.0')
    repo.checkout('develop')
    repo.mergeNoFF('release/1.1.0')
    repo.deleteBranch('release/1.1.0')
    await expectVersion(repo, '1.2.0-alpha.1')

    repo.branch('feature/f2')
    repo.commit('added feature 2')
    await expectVersion(repo, '1.2.0-f2.1+2')
    repo.checkout('develop')
    repo.mergeNoFF('feature/f2')
    await expectVersion(repo, '1.2.0-alpha.3')

    repo.branch('release/1.2.0')
    repo.commit('release stabilization')
    await expectVersion(repo, '1.2.0-beta.1+8')
    repo.checkout('main')
    repo.mergeNoFF('release/1.2.0')
    await expectVersion(repo, '1.2.0-5')
    repo.tag('1.2.0')
    await expectVersion(repo, '1.2.0')
    repo.checkout('develop')
    repo.mergeNoFF('release/1.2.0')
    await expectVersion(repo, '1.3.0-alpha.1')

    repo.checkout('main')
    repo.branch('hotfix/hf')
    repo.commit('added hotfix')
    await expectVersion(repo, '1.2.1-beta.1+1')
    repo.checkout('main')
    repo.mergeNoFF('hotfix/hf')
    await expectVersion(repo, '1.2.1-2')
    repo.tag('1.2.1')
    await expectVersion(repo, '1.2.1')
    repo.checkout('develop')
    repo.mergeNoFF('hotfix/hf')
    await expectVersion(repo, '1.3.0-alpha.2')
  })
})

describe('DocumentationSamplesForGitFlow', () => {
  test('FeatureFromMainBranch', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('1.2.0')
    await expectVersion(repo, '1.2.0')
    repo.branch('feature/foo')
    await expectVersion(repo, '1.2.1-foo.1+0')
    repo.commit()
    await expectVersion(repo, '1.2.1-foo.1+1')
    repo.checkout('main')
    repo.commit()
    await expectVersion(repo, '1.2.1-1')
    repo.tag('1.2.1')
    await expectVersion(repo, '1.2.1')
    repo.checkout('feature/foo')
    repo.mergeNoFF('main')
    await expectVersion(repo, '1.2.2-foo.1+2')
    repo.commit('+semver: minor')
    await expectVersion(repo, '1.3.0-foo.1+3')
    repo.tag('2.0.0-foo.1')
    await expectVersion(repo, '2.0.0-foo.2+0')
    repo.commit()
    await expectVersion(repo, '2.0.0-foo.2+1')
    repo.checkout('main')
    repo.mergeNoFF('feature/foo')
    repo.deleteBranch('feature/foo')
    await expectVersion(repo, '2.0.0-5')
    repo.commit()
    await expectVersion(repo, '2.0.0-6')
    repo.tag('2.0.0')
    await expectVersion(repo, '2.0.0')
  })

  test('FeatureFromDevelopBranch', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('1.2.0')
    await expectVersion(repo, '1.2.0')
    repo.branch('develop')
    await expectVersion(repo, '1.3.0-alpha.0')
    repo.branch('feature/foo')
    await expectVersion(repo, '1.3.0-foo.1+0')
    repo.commit()
    await expectVersion(repo, '1.3.0-foo.1+1')
    repo.checkout('main')
    repo.commit('+semver: minor')
    await expectVersion(repo, '1.3.0-1')
    repo.tag('1.3.0')
    await expectVersion(repo, '1.3.0')
    repo.checkout('develop')
    repo.mergeNoFF('main')
    await expectVersion(repo, '1.4.0-alpha.1')
    repo.checkout('feature/foo')
    repo.mergeNoFF('develop')
    await expectVersion(repo, '1.4.0-foo.1+3')
    repo.commit('+semver: major')
    await expectVersion(repo, '2.0.0-foo.1+4')
    repo.tag('2.1.0-foo.1')
    await expectVersion(repo, '2.1.0-foo.2+0')
    repo.commit()
    await expectVersion(repo, '2.1.0-foo.2+1')
  })

  test('HotfixBranch', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('1.2.0')
    repo.branch('hotfix/next')
    await expectVersion(repo, '1.2.1-beta.1+0')
    repo.commit()
    await expectVersion(repo, '1.2.1-beta.1+1')
    repo.checkout('main')
    repo.commit()
    await expectVersion(repo, '1.2.1-1')
    repo.tag('1.2.1')
    await expectVersion(repo, '1.2.1')
    repo.checkout('hotfix/next')
    repo.mergeNoFF('main')
    await expectVersion(repo, '1.2.2-beta.1+2')
    repo.commit('+semver: minor')
    await expectVersion(repo, '1.3.0-beta.1+3')
    repo.tag('2.0.0-beta.1')
    await expectVersion(repo, '2.0.0-beta.2+0')
    repo.commit()
    await expectVersion(repo, '2.0.0-beta.2+1')
    repo.checkout('main')
    repo.mergeNoFF('hotfix/next')
    repo.deleteBranch('hotfix/next')
    await expectVersion(repo, '2.0.0-5')
    repo.commit()
    await expectVersion(repo, '2.0.0-6')
    repo.tag('2.0.0')
    await expectVersion(repo, '2.0.0')
  })

  test('ReleaseBranch', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('1.1.0')
    repo.branch('develop')
    repo.commit()
    await expectVersion(repo, '1.2.0-alpha.1')
    repo.branch('release/1.2.0')
    await expectVersion(repo, '1.2.0-beta.1+1')
    repo.commit()
    await expectVersion(repo, '1.2.0-beta.1+2')
    repo.tag('1.2.0-beta.1')
    await expectVersion(repo, '1.2.0-beta.2+0')
    repo.commit()
    await expectVersion(repo, '1.2.0-beta.2+1')
    repo.checkout('main')
    repo.mergeNoFF('release/1.2.0')
    repo.tag('1.2.0')
    await expectVersion(repo, '1.2.0')
  })
})

describe('DevelopScenarios', () => {
  test('WhenDevelopBranchedFromMainMinorIsIncreased', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('1.0.0')
    repo.branch('develop')
    repo.commit()
    await expectVersion(repo, '1.1.0-alpha.1')
  })

  test('WhenDeveloperBranchExistsDontTreatAsDevelop', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('1.0.0')
    repo.branch('developer')
    repo.commit()
    await expectVersion(repo, '1.0.1-developer.1+1')
  })

  test('InheritVersionFromReleaseBranch', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('1.0.0')
    repo.branch('develop')
    repo.commit()
    repo.branch('release/2.0.0')
    repo.commits(2)
    repo.checkout('develop')
    await expectVersion(repo, '2.1.0-alpha.0')
    repo.commit()
    await expectVersion(repo, '2.1.0-alpha.1')
    repo.mergeNoFF('release/2.0.0')
    await expectVersion(repo, '2.1.0-alpha.4')
    repo.branch('feature/MyFeature')
    repo.commit()
    await expectVersion(repo, '2.1.0-MyFeature.1+5')
  })

  test('MergingReleaseBranchBackIntoDevelopWithMergingToMainDoesBumpDevelopVersion', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('1.0.0')
    repo.branch('develop')
    repo.commit()
    repo.branch('release-2.0.0')
    repo.commit()
    repo.checkout('main')
    repo.mergeNoFF('release-2.0.0')
    repo.checkout('develop')
    repo.mergeNoFF('release-2.0.0')
    await expectVersion(repo, '2.1.0-alpha.2')
  })

  test('PreviousPreReleaseTagShouldBeRespectedWhenCountingCommits', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.branch('develop')
    repo.commit()
    repo.tag('1.0.0-alpha.3')
    repo.commits(2)
    await expectVersion(repo, '1.0.0-alpha.5')
  })
})

describe('Version bumps from commit messages', () => {
  test.each([
    ['feat: add a model', '1.1.0'],
    ['fix: correct a threshold', '1.0.1'],
    ['perf: faster scoring', '1.0.1'],
    ['feat(api)!: drop v1 endpoint', '2.0.0'],
    ['refactor: tidy\n\nBREAKING CHANGE: the config moved', '2.0.0'],
    ['chore: update deps +semver: major', '2.0.0'],
    ['docs: readme', '1.0.1'],
    ['feat: add a thing +semver: none', '1.0.1']
  ])('on main after v1.0.0, %j gives %s', async (message, expected) => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('v1.0.0')
    repo.commit(message)
    expect(await versionOf(repo)).toBe(`${expected}+1`)
  })

  test('below 1.0.0 a breaking change bumps the minor only', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('v0.3.0')
    repo.commit('feat!: new input format')
    expect(await versionOf(repo)).toBe('0.4.0+1')
  })

  test('the largest bump since the version source wins, and never less than the branch asks', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('v1.4.2')
    repo.branch('develop')
    repo.commit('fix: one')
    await expectVersion(repo, '1.5.0-alpha.1')
    repo.commit('feat!: two')
    await expectVersion(repo, '2.0.0-alpha.2')
  })
})

describe('Branch names as GitFlow/v1 recognises them', () => {
  test.each([
    ['release/1.2.0', '1.2.0-beta.1+1'],
    ['release-1.2.0', '1.2.0-beta.1+1'],
    ['releases/1.2', '1.2.0-beta.1+1'],
    ['hotfix/1.0.5', '1.0.5-beta.1+1'],
    ['hotfix-1.0.5', '1.0.5-beta.1+1'],
    ['feature/better-model', '1.0.1-better-model.1+1'],
    ['features/JIRA-12_fix', '1.0.1-JIRA-12-fix.1+1']
  ])('%s', async (branch, expected) => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('v1.0.0')
    repo.branch(branch)
    repo.commit()
    expect(await versionOf(repo)).toBe(expected)
  })

  test('a repository without tags starts from 0.0.0', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.branch('develop')
    repo.commits(2)
    await expectVersion(repo, '0.1.0-alpha.3')
  })

  test('a custom tag prefix reads only its own tags', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('model-a/v2.0.0')
    repo.tag('v9.0.0')
    repo.commit()
    const result = await calculateVersion({
      git: createGit(repo.dir),
      branch: 'main',
      tagPrefix: 'model-a/v',
      labels
    })
    expect(result.version).toBe('2.0.1')
    expect(result.tag).toBe('model-a/v2.0.1')
    expect(result.previousVersion).toBe('2.0.0')
  })

  test('a pull request is labelled PullRequest<number> and inherits its source branch increment', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    repo.tag('v1.0.0')
    repo.branch('develop')
    repo.commit()
    repo.branch('feature/x')
    repo.commits(2)
    const result = await calculateVersion({
      git: createGit(repo.dir),
      branch: 'feature/x',
      pullRequest: 7,
      pullRequestSource: 'feature/x',
      tagPrefix: 'v',
      labels
    })
    expect(result.version).toBe('1.1.0-PullRequest7.3')
    expect(result.environment).toBe('none')
  })
})
