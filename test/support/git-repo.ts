/** A throwaway git repository for tests, driven with real git the way a person would. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: tmpdir()
}

export class GitRepo {
  private counter = 0
  constructor(readonly dir: string) {}

  static create(initialBranch = 'main'): GitRepo {
    const repo = new GitRepo(mkdtempSync(join(tmpdir(), 'repo-')))
    repo.git('init', '-q', '-b', initialBranch)
    repo.git('config', 'commit.gpgsign', 'false')
    repo.git('config', 'tag.gpgsign', 'false')
    return repo
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: ENV, encoding: 'utf8' }).trim()
  }

  commit(message = `commit ${++this.counter}`): string {
    // A file per commit: branches never conflict when merged, as in GitVersion's fixtures.
    writeFileSync(join(this.dir, `file-${++this.counter}.txt`), `${message}\n`)
    this.git('add', '-A')
    this.git('commit', '-q', '-m', message)
    return this.head()
  }

  commits(count: number): void {
    for (let i = 0; i < count; i++) this.commit()
  }

  tag(name: string, annotated = true): void {
    if (annotated) this.git('tag', '-a', name, '-m', name)
    else this.git('tag', name)
  }

  branch(name: string): void {
    this.git('checkout', '-q', '-b', name)
  }

  checkout(name: string): void {
    this.git('checkout', '-q', name)
  }

  /** Merges `branch` into the current branch with a merge commit, as `git merge --no-ff` writes it. */
  mergeNoFF(branch: string): void {
    this.git('merge', '-q', '--no-ff', '--no-edit', branch)
  }

  deleteBranch(name: string): void {
    this.git('branch', '-q', '-D', name)
  }

  head(): string {
    return this.git('rev-parse', 'HEAD')
  }
}
