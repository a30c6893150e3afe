// A real OCI registry (Debian's docker-registry, the distribution project) on 127.0.0.1, with
// filesystem storage in a temp dir that is removed when it stops.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry part of image references. */
  host: string
  url: string
  dir: string
  stop(): Promise<void>
}

const BINARY = '/usr/bin/docker-registry'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export async function startRegistry(): Promise<TestRegistry> {
  if (!existsSync(BINARY)) {
    throw new Error(
      'docker-registry is not installed: run `apt-get install -y docker-registry` (or `node scripts/setup.mjs`).'
    )
  }
  const dir = await mkdtemp(join(tmpdir(), 'registry-'))
  // A port can be taken between choosing and binding: try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    const config = join(dir, 'config.yml')
    await writeFile(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: error',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'data')}`,
        '  delete:',
        '    enabled: true',
        '  maintenance:',
        '    uploadpurging:',
        '      enabled: false',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        `  secret: test-secret-${port}`,
        ''
      ].join('\n')
    )
    const child = spawn(BINARY, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr!.on('data', chunk => (stderr += String(chunk)))
    const url = `http://127.0.0.1:${port}`
    if (await waitReady(child, `${url}/v2/`)) {
      return { host: `127.0.0.1:${port}`, url, dir, stop: () => stop(child, dir) }
    }
    child.kill('SIGKILL')
    if (!/address already in use/.test(stderr)) {
      await rm(dir, { recursive: true, force: true })
      throw new Error(`docker-registry did not start: ${stderr.trim().slice(-500)}`)
    }
  }
  await rm(dir, { recursive: true, force: true })
  throw new Error('docker-registry found no free port')
}

async function waitReady(child: ChildProcess, url: string): Promise<boolean> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(url)
      if (response.status === 200) return true
    } catch {
      // Not listening yet.
    }
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  return false
}

async function stop(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    await Promise.race([exited, new Promise(resolve => (timer = setTimeout(resolve, 3000)))])
    clearTimeout(timer)
    if (child.exitCode === null) child.kill('SIGKILL')
  }
  await rm(dir, { recursive: true, force: true })
}
