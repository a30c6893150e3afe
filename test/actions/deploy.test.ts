/**
 * The front door, end to end: the bundled deploy action drives the real Helm 4 against the
 * Kubernetes API simulator; the simulator's pods are run for real by the pod runner (the example
 * model, pulled by digest from a real registry), scraped by a real Prometheus under traffic, and
 * judged by the canary gate after each step. A good canary is promoted; a drifted model is
 * stopped at the first step, removed, and the rollback is recorded on GitHub and in the audit.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCommand } from '../../src/lib/command.js'
import { PYTHON, pythonEnv, MODEL_REPO } from '../examples/model-repo.js'
import { startGitHubSimulator, type GitHubSimulator } from '../github-sim/index.js'
import { runActionBundle, type ActionRun, type RunActionOptions } from '../harness/run-action.js'
import { startK8sSimulator, type K8sSimulator } from '../k8s-sim/simulator.js'
import { pushBusyboxBase } from '../support/base-images.js'
import { GitRepo } from '../support/git-repo.js'
import { helmBinary } from '../support/helm-tools.js'
import { PodRunner } from '../support/pod-runner.js'
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js'
import { startRegistry, type TestRegistry } from '../support/registry.js'
import { CHART, statuses } from './helm-action-support.js'

const METRICS = `
- name: error-rate
  query: sum(rate(http_requests_total{ {{selector}}, code=~"5.." }[4s])) / sum(rate(http_requests_total{ {{selector}} }[4s]))
  max: 0.05
  critical: true
- name: prediction-drift
  kind: drift
  histogram: model_prediction_score
  critical: true
`

let registry: TestRegistry
let k8s: K8sSimulator
let github: GitHubSimulator
let prometheus: TestPrometheus
let pods: PodRunner
let work: string
const images: Record<string, string> = {}
const auditFile = () => join(work, 'audit.jsonl')

/** Builds the example model (trained with `args`) into an image with the build-image action. */
async function modelImage(name: string, args: string[]): Promise<string> {
  const repo = GitRepo.create('main')
  await runCommand(
    PYTHON,
    [join(MODEL_REPO, 'train.py'), '--output-dir', repo.dir, '--latency-samples', '0', ...args],
    { env: pythonEnv() }
  )
  writeFileSync(join(repo.dir, 'model', 'RELEASE'), `${name}\n`)
  repo.git('add', '-A')
  repo.git('commit', '-q', '-m', name)
  const run = await runActionBundle('build-image', {
    workspace: repo.dir,
    inputs: {
      image: `${registry.host}/models/cancer`,
      builder: 'oci-layer',
      'base-image': `${registry.host}/base/serving:latest`,
      'model-path': 'model',
      'insecure-registry': 'true'
    }
  })
  if (run.exitCode !== 0) throw new Error(`build-image failed: ${run.errors.join('; ')}`)
  return run.outputs.digest as string
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'deploy-e2e-'))
  registry = await startRegistry()
  await pushBusyboxBase(registry.host, 'base/serving', { tag: 'latest' })
  images.v1 = await modelImage('v1', [])
  images.v2 = await modelImage('v2', [])
  images.drifted = await modelImage('drifted', ['--degrade', '0.25'])
  k8s = await startK8sSimulator({ rolloutDelayMs: 200 })
  github = await startGitHubSimulator({ acceptAnySha: true })
  const targetsFile = join(work, 'targets.json')
  pods = new PodRunner({
    sim: k8s,
    namespaces: ['prod'],
    workDir: join(work, 'images'),
    targetsFile,
    log: () => undefined
  })
  await pods.start()
  prometheus = await startPrometheus({ jobs: [{ job: 'pods', fileSd: targetsFile }] })
}, 180_000)

afterAll(async () => {
  await pods?.stop()
  await prometheus?.stop()
  await k8s?.stop()
  try {
    github?.assertNoViolations()
  } finally {
    await github?.stop()
  }
  await registry?.stop()
})

function deploy(
  digest: string,
  version: string,
  inputs: Record<string, string> = {},
  cancel?: RunActionOptions['cancel']
): Promise<ActionRun> {
  return runActionBundle('deploy', {
    ...(cancel ? { cancel } : {}),
    inputs: {
      release: 'model',
      chart: CHART,
      namespace: 'prod',
      environment: 'prod',
      'environment-url': 'https://model.example.com',
      'create-namespace': 'true',
      image: `${registry.host}/models/cancer`,
      digest,
      version,
      strategy: 'canary',
      'step-weights': '20,50',
      'prometheus-url': prometheus.url,
      metrics: METRICS,
      'canary-selector': 'namespace="prod", track="canary"',
      'baseline-selector': 'namespace="prod", track="stable"',
      // The first look comes one interval after the canary starts: long enough, even on a busy
      // machine, for the pod to start, be scraped twice and fill the 4 s rate window.
      interval: '10s',
      iterations: '2',
      'helm-path': helmBinary(4),
      kubeconfig: readFileSync(k8s.kubeconfigPath, 'utf8'),
      'audit-file': auditFile(),
      'github-token': 'ghs_deployToken',
      timeout: '60s',
      ...inputs
    },
    env: { ...github.env, GITHUB_SHA: 'a'.repeat(40) }
  })
}

const liveDigest = () =>
  (
    k8s.get('apps/v1', 'Deployment', 'prod', 'model')?.spec as {
      template: { spec: { containers: { image: string }[] } }
    }
  )?.template.spec.containers[0]?.image.split('@')[1]

test('the first release has no stable to compare with, so it is deployed directly', async () => {
  const run = await deploy(images.v1 as string, '1.0.0')
  expect(run.exitCode).toBe(0)
  expect(run.stdout).toContain('deployed directly')
  expect(run.outputs.status).toBe('deployed')
  expect(run.outputs.revision).toBe('1')
  expect(liveDigest()).toBe(images.v1)
  expect(run.post?.exitCode).toBe(0)
  await pods.sendTraffic('prod', 30)
}, 120_000)

test('a good canary goes through every step and is promoted', async () => {
  const run = await deploy(images.v2 as string, '1.1.0')
  expect({ exitCode: run.exitCode, errors: run.errors }).toEqual({ exitCode: 0, errors: [] })
  expect(run.outputs.verdict).toBe('pass')
  expect(run.outputs.status).toBe('deployed')
  expect(run.stdout).toContain('Step 1/2: canary model-canary at 20% of the traffic')
  expect(run.stdout).toContain('Step 2/2: canary verdict pass')
  expect(JSON.parse(run.outputs.report ?? '{}').steps).toHaveLength(2)
  expect(liveDigest()).toBe(images.v2)
  expect(k8s.releases('prod', 'model-canary')).toEqual([])
  const audit = JSON.parse(run.outputs.audit ?? '{}')
  expect(audit).toMatchObject({
    action: 'promote',
    outcome: 'success',
    version: '1.1.0',
    digest: images.v2,
    canary: { verdict: 'pass' }
  })
  expect(run.summary).toContain('Promoted')
  const deployment = github.state.deployments('acme/model-repo').at(-1)
  expect(deployment?.statuses.map(s => s.state)).toEqual(['in_progress', 'success'])
}, 180_000)

test('a drifted model is caught by the gate: the canary is removed, stable is untouched, the rollback is recorded', async () => {
  const before = statuses(k8s, 'prod', 'model')
  const run = await deploy(images.drifted as string, '1.2.0')
  expect(run.exitCode).toBe(1)
  expect(run.outputs.verdict).toBe('fail')
  expect(run.outputs.status).toBe('rolled-back')
  expect(run.errors[0]).toContain('The canary of model 1.2.0 was rolled back')
  expect(run.errors[0]).toContain('prediction-drift')
  expect(run.errors[0]).toContain('step 1/2 (20% of the traffic)')
  // Stable was never changed and serves everything; the canary release is gone.
  expect(statuses(k8s, 'prod', 'model')).toEqual(before)
  expect(liveDigest()).toBe(images.v2)
  expect(k8s.releases('prod', 'model-canary')).toEqual([])
  const audit = JSON.parse(run.outputs.audit ?? '{}')
  expect(audit).toMatchObject({
    action: 'rollback',
    outcome: 'rolled-back',
    version: '1.2.0',
    canary: { verdict: 'fail' }
  })
  expect(audit.reason).toContain('prediction-drift')
  const deployment = github.state.deployments('acme/model-repo').at(-1)
  expect(deployment?.statuses.map(s => s.state)).toEqual(['in_progress', 'failure'])
  const trail = readFileSync(auditFile(), 'utf8')
    .trim()
    .split('\n')
    .map(line => JSON.parse(line))
  expect(trail.map(r => `${r.action}:${r.outcome}:${r.version}`)).toEqual([
    'deploy:success:1.0.0',
    'promote:success:1.1.0',
    'rollback:rolled-back:1.2.0'
  ])
  expect(run.summary).toContain('Rolled back the canary')
}, 180_000)

test('a deploy cancelled mid-analysis leaves no canary: the post step removes it and records why', async () => {
  const before = statuses(k8s, 'prod', 'model')
  const run = await deploy(
    images.v1 as string,
    '1.3.0',
    {},
    {
      // Cancelled while the gate judges the first step, as a run cancelled by hand or a job
      // timeout would be: the canary is live at 20% of the traffic.
      when: stdout => stdout.includes('Step 1/2: Iteration 1/2')
    }
  )
  expect(run.exitCode).not.toBe(0)
  expect(run.post?.exitCode).toBe(0)
  expect(run.post?.warnings[0]).toContain('ended with its canary in flight')
  expect(k8s.releases('prod', 'model-canary')).toEqual([])
  expect(statuses(k8s, 'prod', 'model')).toEqual(before)
  expect(liveDigest()).toBe(images.v2)
  const deployment = github.state.deployments('acme/model-repo').at(-1)
  expect(deployment?.statuses.map(s => s.state)).toEqual(['in_progress', 'failure'])
  const last = JSON.parse(readFileSync(auditFile(), 'utf8').trim().split('\n').at(-1) as string)
  expect(last).toMatchObject({
    action: 'rollback',
    outcome: 'rolled-back',
    version: '1.3.0',
    reason: 'cancelled'
  })
  expect(run.post?.summary).toContain('Canary removed after cancellation')
}, 180_000)

test.each([
  ['step-weights', '50,25', 'increasing whole-number percentages'],
  ['step-weights', '0,50', 'increasing whole-number percentages'],
  ['prometheus-url', '', 'required'],
  ['strategy', 'rolling', 'direct, canary, blue-green']
])('bad input %s=%j fails before Helm runs', async (input, value, accepted) => {
  const requestsBefore = k8s.requests().length
  const run = await deploy(images.v2 as string, '9.9.9', { [input]: value })
  expect(run.exitCode).toBe(1)
  expect(run.errors[0]).toContain(`"${input}"`)
  expect(run.errors[0]).toContain(accepted)
  expect(k8s.requests().length).toBe(requestsBefore)
})
