// deploy-helm and rollback against raw `helm upgrade --install` / `helm rollback` on the same
// Kubernetes API simulator, in one run, with Helm 3.17 and Helm 4.1. Each action run is the
// bundled action on Node 24 as the runner starts it; raw and action runs alternate, so machine
// noise hits both alike. With the simulator's rollouts ready at once the rollout wait is ~0, so
// the first table is the overhead itself; the second adds a 2 s rollout, as a real one would.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { bareEnv, fmt, node24, root, table } from './lib.mjs'

const CHART = join(root, 'examples/model-repo/chart')
const REPOSITORY = 'registry.local/bench/model'
const digest = i => `sha256:${'0123456789abcdef'[i % 16].repeat(64)}`

async function startSimulator() {
  const child = spawn(
    process.execPath,
    [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'test/k8s-sim/cli.ts')],
    { cwd: root, env: bareEnv(), stdio: ['ignore', 'pipe', 'ignore'] }
  )
  const line = await new Promise((resolve, reject) => {
    child.once('exit', code => reject(new Error(`k8s-sim exited with ${code}`)))
    createInterface({ input: child.stdout }).once('line', resolve)
  })
  const info = JSON.parse(line)
  return {
    ...info,
    setRolloutDelay: ms =>
      fetch(`${info.url}/_sim/rollout-delay`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms })
      }),
    stop: () => child.kill('SIGTERM')
  }
}

function timed(file, args, env) {
  const start = process.hrtime.bigint()
  const result = spawnSync(file, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== 0) {
    throw new Error(
      `${file} ${args.slice(0, 3).join(' ')} exited ${result.status}:\n${result.stderr}\n${result.stdout.slice(-2000)}`
    )
  }
  return ms
}

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

function helmFor(version, kubeconfig) {
  const helm = join(root, '.tools', `helm${version}`, 'helm')
  const home = mkdtempSync(join(tmpdir(), 'bench-helm-home-'))
  const env = bareEnv({
    KUBECONFIG: kubeconfig,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data')
  })
  const rollbackFlags =
    version === 4 ? ['--rollback-on-failure', '--wait=watcher'] : ['--atomic', '--wait']
  const waitFlags = version === 4 ? ['--wait=watcher'] : ['--wait']
  return {
    helm,
    env,
    home,
    upgrade: (ns, i) =>
      timed(
        helm,
        [
          'upgrade',
          'raw',
          CHART,
          '--install',
          '--namespace',
          ns,
          '--create-namespace',
          '--set-string',
          `image.repository=${REPOSITORY}`,
          '--set-string',
          `image.digest=${digest(i)}`,
          ...rollbackFlags,
          '--timeout',
          '60s'
        ],
        env
      ),
    rollback: ns =>
      timed(helm, ['rollback', 'raw', '--namespace', ns, ...waitFlags, '--timeout', '60s'], env)
  }
}

function actionFor(version, raw, runnerTemp) {
  const base = () =>
    bareEnv({
      ...raw.env,
      RUNNER_TEMP: runnerTemp(),
      GITHUB_WORKSPACE: root,
      GITHUB_REPOSITORY: 'acme/model-repo',
      GITHUB_RUN_ID: '1',
      GITHUB_OUTPUT: '/dev/null',
      GITHUB_STATE: '/dev/null',
      GITHUB_STEP_SUMMARY: '/dev/null',
      'INPUT_HELM-PATH': raw.helm,
      INPUT_TIMEOUT: '60s',
      INPUT_WAIT: 'true'
    })
  return {
    deploy: (ns, i) =>
      timed(node24, [join(root, 'dist/deploy-helm/index.js')], {
        ...base(),
        INPUT_RELEASE: 'act',
        INPUT_CHART: CHART,
        INPUT_NAMESPACE: ns,
        'INPUT_CREATE-NAMESPACE': 'true',
        INPUT_IMAGE: REPOSITORY,
        INPUT_DIGEST: digest(i),
        INPUT_ATOMIC: 'true',
        INPUT_VERSION: `1.0.${i}`
      }),
    rollback: ns =>
      timed(node24, [join(root, 'dist/rollback/index.js')], {
        ...base(),
        INPUT_RELEASE: 'act',
        INPUT_NAMESPACE: ns,
        INPUT_TARGET: 'previous'
      })
  }
}

/** Alternates raw and action runs (one warm-up each) and returns both medians. */
function compare(runs, raw, action) {
  const rawTimes = []
  const actionTimes = []
  for (let i = 0; i <= runs; i++) {
    const r = raw(i)
    const a = action(i)
    if (i > 0) {
      rawTimes.push(r)
      actionTimes.push(a)
    }
  }
  return { raw: median(rawTimes), action: median(actionTimes) }
}

export async function run({ runs = 9, slowRuns = 3, rolloutMs = 2000 } = {}) {
  const sim = await startSimulator()
  const temps = []
  const freshTemp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-runner-temp-'))
    temps.push(dir)
    return dir
  }
  const jobTemp = freshTemp()
  const fast = []
  const slow = []
  try {
    for (const version of [3, 4]) {
      const raw = helmFor(version, sim.kubeconfig)
      const warm = actionFor(version, raw, () => jobTemp)
      const cold = actionFor(version, raw, freshTemp)
      const ns = `bench-${version}`
      let n = 0
      // First installs, not measured: the releases exist before upgrades are timed.
      raw.upgrade(ns, n)
      warm.deploy(ns, n++)
      const deploy = compare(
        runs,
        () => raw.upgrade(ns, n),
        () => warm.deploy(ns, n++)
      )
      const deployCold = compare(
        3,
        () => 0,
        () => cold.deploy(ns, n++)
      ).action
      const back = compare(
        runs,
        () => raw.rollback(ns),
        () => warm.rollback(ns)
      )
      const helmName = version === 3 ? 'Helm 3.17' : 'Helm 4.1'
      fast.push([
        helmName,
        'deploy (upgrade --install, atomic, wait)',
        fmt(deploy.raw),
        fmt(deploy.action),
        fmt(deployCold),
        fmt(deploy.action - deploy.raw),
        `${fmt(deploy.action / deploy.raw, 2)}×`
      ])
      fast.push([
        helmName,
        'rollback (previous, wait)',
        fmt(back.raw),
        fmt(back.action),
        '',
        fmt(back.action - back.raw),
        `${fmt(back.action / back.raw, 2)}×`
      ])

      await sim.setRolloutDelay(rolloutMs)
      const slowDeploy = compare(
        slowRuns,
        () => raw.upgrade(ns, n),
        () => warm.deploy(ns, n++)
      )
      const slowBack = compare(
        slowRuns,
        () => raw.rollback(ns),
        () => warm.rollback(ns)
      )
      await sim.setRolloutDelay(0)
      slow.push([
        helmName,
        'deploy',
        fmt(slowDeploy.raw),
        fmt(slowDeploy.action),
        fmt(slowDeploy.action - slowDeploy.raw),
        `${fmt(slowDeploy.action / slowDeploy.raw, 2)}×`
      ])
      slow.push([
        helmName,
        'rollback',
        fmt(slowBack.raw),
        fmt(slowBack.action),
        fmt(slowBack.action - slowBack.raw),
        `${fmt(slowBack.action / slowBack.raw, 2)}×`
      ])
      rmSync(raw.home, { recursive: true, force: true })
    }
  } finally {
    sim.stop()
    for (const dir of temps) rmSync(dir, { recursive: true, force: true })
  }
  return [
    '### deploy-helm and rollback against raw Helm (rollouts ready at once: the overhead itself)',
    '',
    table(
      [
        'Helm',
        'operation',
        'raw helm ms',
        'action ms',
        'action, first step of a job ms',
        'overhead ms',
        'ratio'
      ],
      fast
    ),
    '',
    `Medians of ${runs} alternating runs after a warm-up, bare environment, the same simulator. "First step of a job" has no cached Helm version yet (one \`helm version\` more). The action's fixed cost is Node 24 loading the bundle with @actions/core (see cold-start), plus one \`helm history\` read that runs alongside the upgrade for a deploy and before it for a rollback (which must plan).`,
    '',
    `### With a ${rolloutMs / 1000} s rollout`,
    '',
    table(['Helm', 'operation', 'raw helm ms', 'action ms', 'overhead ms', 'ratio'], slow),
    '',
    `Medians of ${slowRuns} alternating runs; every Pod becomes ready ${rolloutMs / 1000} s after it is created.`
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await run())
