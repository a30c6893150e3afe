// A private Docker daemon (Debian's dockerd 20.10) for the classic-builder tests: no iptables,
// no bridge, vfs storage, its socket and data in a short temp dir (unix socket paths are
// limited to 108 bytes), and loopback registries allowed over plain HTTP.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { runCommand } from '../../src/lib/command.js'

const BINARY = '/usr/sbin/dockerd'

export interface TestDockerd {
  /** `unix:///.../docker.sock`, for DOCKER_HOST. */
  host: string
  /** process.env plus DOCKER_HOST (and a private DOCKER_CONFIG), for the docker CLI. */
  env: NodeJS.ProcessEnv
  /** How long the daemon took to answer, for the report. */
  startMs: number
  stop(): Promise<void>
}

export async function startDockerd(insecureRegistries: string[] = []): Promise<TestDockerd> {
  if (!existsSync(BINARY))
    throw new Error('dockerd is not installed: run `apt-get install -y docker.io`.')
  const dir = await mkdtemp('/tmp/dk-')
  const socket = join(dir, 'docker.sock')
  const host = `unix://${socket}`
  const started = Date.now()
  const child = spawn(
    BINARY,
    [
      '--host',
      host,
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'docker.pid'),
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--storage-driver',
      'vfs',
      ...insecureRegistries.flatMap(registry => ['--insecure-registry', registry])
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  )
  let log = ''
  child.stderr!.on('data', chunk => (log = (log + String(chunk)).slice(-4000)))
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: join(dir, 'config') }
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline && child.exitCode === null) {
    const result = await runCommand('docker', ['version', '--format', '{{.Server.Version}}'], {
      env,
      check: false
    })
    if (result.code === 0) {
      return { host, env, startMs: Date.now() - started, stop: () => stop(child, dir) }
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  await stop(child, dir)
  throw new Error(`dockerd did not start: ${log.trim().split('\n').slice(-5).join('\n')}`)
}

async function stop(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    await Promise.race([exited, new Promise(resolve => (timer = setTimeout(resolve, 10_000)))])
    clearTimeout(timer)
    if (child.exitCode === null) child.kill('SIGKILL')
  }
  // The daemon's containerd may outlive it for a moment; its pid file says which one.
  try {
    const pid = Number(
      (await readFile(join(dir, 'exec', 'containerd', 'containerd.pid'), 'utf8')).trim()
    )
    if (pid > 0) process.kill(pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 })
}
