import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitTree } from '../../src/lib/git.js'
import { GitRepo } from '../support/git-repo.js'

describe('commitTree', () => {
  test('is the tree of a commit in the checkout', async () => {
    const repo = GitRepo.create('main')
    const sha = repo.commit()
    expect(await commitTree(repo.dir, sha)).toBe(repo.git('rev-parse', 'HEAD^{tree}'))
  })

  test('is null where it cannot be known: no repository, an unknown commit, not a SHA', async () => {
    const repo = GitRepo.create('main')
    repo.commit()
    expect(await commitTree(mkdtempSync(join(tmpdir(), 'not-a-repo-')), 'a'.repeat(40))).toBeNull()
    expect(await commitTree(repo.dir, 'b'.repeat(40))).toBeNull()
    expect(await commitTree(repo.dir, 'HEAD; rm -rf /')).toBeNull()
  })
})
