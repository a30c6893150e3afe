/**
 * The demo's model repository: a git repository made from examples/model-repo, with a GitFlow
 * history the story adds to (develop, release/1.0.0, main, hotfix/1.0.1).
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MODEL_REPO } from '../test/examples/model-repo.js'
import { GitRepo } from '../test/support/git-repo.js'

/** How the pipeline trains this commit's model: the hotfix changes it. */
export interface TrainingParams {
  degrade: number
}

export function createModelRepository(): GitRepo {
  const repo = GitRepo.create('main')
  cpSync(MODEL_REPO, repo.dir, {
    recursive: true,
    filter: source => !/(__pycache__|\.pytest_cache|\/model$|metrics\.json$)/.test(source)
  })
  writeFileSync(join(repo.dir, '.gitignore'), 'model/\nmetrics.json\njunit.xml\n__pycache__/\n')
  writeParams(repo, { degrade: 0 })
  repo.git('add', '-A')
  repo.git('commit', '-q', '-m', 'chore: breast-cancer classifier, serving program and chart')
  return repo
}

export function readParams(repo: GitRepo): TrainingParams {
  return JSON.parse(readFileSync(join(repo.dir, 'training.json'), 'utf8')) as TrainingParams
}

export function writeParams(repo: GitRepo, params: TrainingParams): void {
  writeFileSync(join(repo.dir, 'training.json'), `${JSON.stringify(params, null, 2)}\n`)
}
