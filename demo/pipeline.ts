/**
 * The promotion pipeline of `.github/workflows/promote.yml`, run here step by step with the
 * bundled actions, each as the GitHub runner runs it (test/harness/run-action.ts): version,
 * train, test the model against the metrics of the release in prod, build once, deploy.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCommand } from '../src/lib/command.js'
import { PYTHON, pythonEnv } from '../test/examples/model-repo.js'
import { runActionBundle, repoRoot, type ActionRun } from '../test/harness/run-action.js'
import type { GitRepo } from '../test/support/git-repo.js'
import { readParams } from './model-repo.js'
import type { World } from './world.js'

export const THRESHOLDS = `
accuracy:
  min: 0.9
  better: higher
  max-regression: 0.05
f1_macro:
  min: 0.9
  better: higher
  max-regression: "6%"
`

// Bounds, not baseline comparisons, for latency: a demo canary lives three short iterations,
// too few points for a rank test to reach significance (the judge would rightly call that no
// data). The error rate is judged on its counts over the window (kind: ratio).
export const CANARY_METRICS = `
- name: error-rate
  kind: ratio
  errors: sum(increase(http_requests_total{ {{selector}}, code=~"5.." }[{{window}}]))
  total: sum(increase(http_requests_total{ {{selector}} }[{{window}}]))
  max: 0.05
  critical: true
- name: latency-p95
  query: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{ {{selector}} }[5s])))
  max: 0.5
- name: prediction-drift
  kind: drift
  histogram: model_prediction_score
  critical: true
`

export interface BranchRun {
  branch: string
  environment: string
  version: string
  digest: string
  outcome: 'deployed' | 'rolled back' | 'failed' | 'skipped'
  verdict: string
  detail: string
}

export class StepFailed extends Error {}

export class Pipeline {
  readonly runs: BranchRun[] = []
  readonly auditFile: string
  /** What staging tested, by tree: the digest main must promote (build once). */
  private readonly testedInStaging = new Map<string, string>()
  private readonly helm = join(repoRoot, '.tools', 'helm4', 'helm')
  private readonly kubeconfig: string

  constructor(
    private readonly world: World,
    private readonly repo: GitRepo,
    private readonly log: (line: string) => void
  ) {
    this.auditFile = join(world.dir, 'audit.jsonl')
    this.kubeconfig = readFileSync(world.k8s.kubeconfigPath, 'utf8')
  }

  /** Runs the pipeline for the branch checked out now, as a push to it would. */
  async run(branch: string): Promise<BranchRun> {
    const plan = await this.step('version-tag', {})
    const { version, environment, tree } = plan.outputs as Record<string, string>
    this.log(`  version ${version}, deploys to ${environment}`)
    const record: BranchRun = {
      branch,
      environment: environment ?? 'none',
      version: version ?? '',
      digest: '',
      outcome: 'skipped',
      verdict: '',
      detail: ''
    }
    this.runs.push(record)
    try {
      await this.train()
      const tests = await this.step('run-model-tests', {
        command: `${PYTHON} -m pytest --artifacts=.`,
        thresholds: THRESHOLDS,
        'baseline-environment': 'prod',
        comment: 'false'
      })
      const metrics = JSON.parse(tests.outputs.metrics ?? '{}') as Record<string, number>
      this.log(
        `  model tests passed: ${tests.outputs.tests} tests, accuracy ${metrics.accuracy}, f1_macro ${metrics.f1_macro}`
      )

      const image = `${this.world.registry.host}/models/breast-cancer`
      const build = await this.step('build-image', {
        image,
        builder: 'oci-layer',
        'base-image': this.world.base.ref,
        'model-path': 'model',
        version: version ?? '',
        'reuse-tree': 'true',
        'insecure-registry': 'true',
        ...(environment === 'prod'
          ? { 'expected-digest': this.testedInStaging.get(tree ?? '') ?? '' }
          : {})
      })
      record.digest = build.outputs.digest ?? ''
      this.log(
        `  image ${build.outputs['image-ref']}${build.stdout.includes('Build once') ? ' (promoted: the digest staging tested)' : ''}`
      )

      const common = {
        release: 'model',
        chart: 'chart',
        namespace: environment ?? '',
        environment: environment ?? '',
        'create-namespace': 'true',
        image,
        digest: record.digest,
        version: version ?? '',
        kubeconfig: this.kubeconfig,
        'helm-path': this.helm,
        'audit-file': this.auditFile,
        timeout: '2m'
      }
      if (environment === 'prod') {
        await this.world.trafficTo('prod')
        const deploy = await this.step(
          'deploy',
          {
            ...common,
            strategy: 'canary',
            'step-weights': '25,50',
            'prometheus-url': this.world.prometheus.url,
            metrics: CANARY_METRICS,
            'canary-selector': 'namespace="prod", track="canary"',
            'baseline-selector': 'namespace="prod", track="stable"',
            // Short for a demo (a real one would say 1m): time for the canary pod to start and be
            // scraped before the first look.
            interval: '6s',
            iterations: '3',
            alerts: 'ModelHighErrorRate'
          },
          { allowFailure: true }
        )
        record.verdict = deploy.outputs.verdict ?? ''
        if (deploy.exitCode !== 0) {
          record.outcome = 'rolled back'
          record.detail = deploy.errors[0] ?? 'the deploy failed'
          this.log(`  ✗ ${record.detail}`)
          return record
        }
        await this.release(version ?? '')
      } else {
        const deploy = await this.step('deploy-helm', { ...common, strategy: 'direct' })
        this.log(`  ${environment}: revision ${deploy.outputs.revision} ${deploy.outputs.status}`)
        if (environment === 'staging') this.testedInStaging.set(tree ?? '', record.digest)
      }
      record.outcome = 'deployed'
      return record
    } catch (error) {
      record.outcome = 'failed'
      record.detail = error instanceof Error ? error.message : String(error)
      throw error
    }
  }

  /** The maintainer's rollback from the Actions tab (rollback.yml): one action, a reason. */
  async rollback(environment: string, target: string, reason: string): Promise<ActionRun> {
    return this.step('rollback', {
      release: 'model',
      namespace: environment,
      environment,
      target,
      reason,
      kubeconfig: this.kubeconfig,
      'helm-path': this.helm,
      'audit-file': this.auditFile
    })
  }

  /** Trains this commit's model as the repository says (training.json). */
  private async train(): Promise<void> {
    const { degrade } = readParams(this.repo)
    const args = [
      'train.py',
      '--output-dir',
      '.',
      ...(degrade ? ['--degrade', String(degrade)] : [])
    ]
    await runCommand(PYTHON, args, { cwd: this.repo.dir, env: pythonEnv() })
  }

  /** Tags the release and publishes its metrics, the baseline of the next model's tests. */
  private async release(version: string): Promise<void> {
    const tag = await this.step('version-tag', { 'create-tag': 'true' })
    const github = this.world.github
    const headers = { authorization: 'token demo', 'content-type': 'application/json' }
    const created = await fetch(`${github.url}/repos/acme/model-repo/releases`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ tag_name: tag.outputs.tag, name: `Model ${version}` })
    })
    const { upload_url: upload } = (await created.json()) as { upload_url: string }
    await fetch(upload.replace(/\{.*\}$/, '?name=metrics.json'), {
      method: 'POST',
      headers,
      body: readFileSync(join(this.repo.dir, 'metrics.json'))
    })
    this.log(`  tagged ${tag.outputs.tag} and published its metrics as the release's metrics.json`)
  }

  private async step(
    name: string,
    inputs: Record<string, string>,
    options: { allowFailure?: boolean } = {}
  ): Promise<ActionRun> {
    const run = await runActionBundle(name, {
      workspace: this.repo.dir,
      inputs,
      env: {
        ...this.world.github.env,
        GITHUB_REF: `refs/heads/${this.repo.git('symbolic-ref', '--short', 'HEAD')}`,
        GITHUB_SHA: this.repo.head(),
        GITHUB_TOKEN: 'ghs_demoToken',
        PATH: process.env.PATH
      },
      timeoutMs: 600_000
    })
    for (const line of run.stdout.split('\n')) {
      if (/^(Iteration \d|Canary|Step \d|Promot|Abort|Roll)/.test(line)) this.log(`    ${line}`)
    }
    if (run.exitCode !== 0 && !options.allowFailure) {
      throw new StepFailed(`${name} failed: ${run.errors.join('; ') || run.stderr.slice(-500)}`)
    }
    return run
  }
}
