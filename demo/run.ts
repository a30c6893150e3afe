/**
 * `npm run demo`: the whole GitFlow promotion of the example model on this machine, with the
 * suite's bundled actions run as the GitHub runner runs them, on embedded parts (see world.ts).
 *
 *   develop        -> dev       versioned, tested, built, deployed
 *   release/1.0.0  -> staging   the release candidate
 *   main           -> prod      the digest staging tested, tagged v1.0.0
 *   hotfix/1.0.1   -> staging   retrained on relabelled data: passes the offline gate
 *   main           -> prod      ...but answers differently under production traffic: the canary
 *                               gate catches the drift and the canary is rolled back
 *   maintainer     -> staging   rolls staging back to 1.0.0 by hand, with a reason
 */
import { readFileSync } from 'node:fs'
import type { AuditRecord } from '../src/lib/audit.js'
import { assertPythonReady } from '../test/examples/model-repo.js'
import { createModelRepository, writeParams } from './model-repo.js'
import { Pipeline, type BranchRun } from './pipeline.js'
import { startWorld } from './world.js'

const started = Date.now()
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`
const say = (line: string) => console.log(`${elapsed()}  ${line}`)
const chapter = (title: string) => console.log(`\n${elapsed()}  ━━ ${title}`)

async function main(): Promise<number> {
  await assertPythonReady()
  chapter('Starting the embedded parts (all on 127.0.0.1)')
  const world = await startWorld(line => say(line))
  try {
    const repo = createModelRepository()
    say(`model repository ${repo.dir} (from examples/model-repo)`)
    const pipeline = new Pipeline(world, repo, line => say(line))

    chapter('develop → dev')
    repo.branch('develop')
    repo.commit('feat: serve the breast-cancer classifier')
    await pipeline.run('develop')

    chapter('release/1.0.0 → staging')
    repo.branch('release/1.0.0')
    repo.commit('chore: release notes for 1.0.0')
    await pipeline.run('release/1.0.0')

    chapter('main → prod (build once: the digest staging tested)')
    repo.checkout('main')
    repo.mergeNoFF('release/1.0.0')
    await pipeline.run('main')
    say(`prod serves ${world.pods.describe('prod').join(', ')}`)
    repo.checkout('develop')
    repo.mergeNoFF('release/1.0.0')

    chapter('hotfix/1.0.1 → staging (retrained on relabelled data)')
    repo.checkout('main')
    repo.branch('hotfix/1.0.1')
    writeParams(repo, { degrade: 0.1 })
    repo.git('add', '-A')
    repo.git('commit', '-q', '-m', 'fix: retrain on the relabelled data set')
    await pipeline.run('hotfix/1.0.1')

    chapter('main → prod: the canary meets production traffic')
    repo.checkout('main')
    repo.mergeNoFF('hotfix/1.0.1')
    const hotfix = await pipeline.run('main')
    say(`prod serves ${world.pods.describe('prod').join(', ')}`)

    chapter('A maintainer rolls staging back to what prod runs (rollback.yml, workflow_dispatch)')
    const rollback = await pipeline.rollback(
      'staging',
      'previous',
      'hotfix 1.0.1 failed the prod canary: prediction drift'
    )
    say(
      `staging: revision ${rollback.outputs['from-revision']} → ${rollback.outputs['to-revision']} (new revision ${rollback.outputs['new-revision']}), rolled back: ${rollback.outputs['rolled-back']}`
    )

    report(pipeline.runs, pipeline.auditFile, world.github.state.deployments('acme/model-repo'))
    return hotfix.outcome === 'rolled back' ? 0 : 1
  } finally {
    chapter('Stopping everything the demo started')
    await world.stop()
  }
}

function report(
  runs: BranchRun[],
  auditFile: string,
  deployments: { environment: string; statuses: { state: string }[] }[]
): void {
  const short = (digest: string) => (digest ? digest.slice(7, 19) : '')
  chapter('Report')
  console.log(
    '\n  branch           environment  version         digest        outcome       canary'
  )
  for (const run of runs) {
    console.log(
      `  ${run.branch.padEnd(16)} ${run.environment.padEnd(12)} ${run.version.padEnd(15)} ${short(run.digest).padEnd(13)} ${run.outcome.padEnd(13)} ${run.verdict}`
    )
  }
  const staging = runs.find(r => r.branch === 'release/1.0.0')
  const prod = runs.find(r => r.branch === 'main')
  if (staging && prod) {
    console.log(
      `\n  build once: prod 1.0.0 runs ${short(prod.digest)}, the digest staging tested (${short(staging.digest)}): ${staging.digest === prod.digest ? 'same' : 'DIFFERENT'}`
    )
  }
  console.log(
    "\n  Audit trail (audit-file, JSON Lines; the same records are the GitHub Deployments' payloads):"
  )
  const records = readFileSync(auditFile, 'utf8')
    .trim()
    .split('\n')
    .map(line => JSON.parse(line) as AuditRecord)
  for (const r of records) {
    const canary = r.canary ? ` canary ${r.canary.verdict} (score ${r.canary.score})` : ''
    console.log(
      `  ${r.finishedAt}  ${r.action.padEnd(8)} ${r.environment.padEnd(8)} ${(r.version ?? '').padEnd(14)} rev ${String(r.revision ?? '-').padEnd(3)} ${r.outcome}${canary}${r.reason ? `\n      reason: ${r.reason}` : ''}`
    )
  }
  console.log('\n  GitHub Deployments (simulated API):')
  for (const d of deployments)
    console.log(`  ${d.environment.padEnd(8)} ${d.statuses.map(s => s.state).join(' → ')}`)
}

main().then(
  code => {
    console.log(
      `\n${code === 0 ? 'Demo finished' : 'Demo finished, but the story did not go as expected'} in ${elapsed().trim()}.`
    )
    process.exit(code)
  },
  error => {
    console.error(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
)
