// oci-layer push of a model directory (1 GiB of random files by default) against the floor of a
// raw monolithic upload of the same bytes (curl -T of one pre-made file) to the same registry,
// in the same run; then a re-run with nothing changed. The push runs in a child process so its
// peak RSS is its own (GNU time).
// Usage: node bench/oci-push.mjs [--size-mib 1024] [--runs 3] [--compression gzip|none]
import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { bareEnv, fmt, root, table } from './lib.mjs'

const MiB = 1024 * 1024
const argument = (name, fallback) => {
  const at = process.argv.indexOf(name)
  return at === -1 ? fallback : process.argv[at + 1]
}

if (process.argv[2] === '--child') await child(process.argv[3], JSON.parse(process.argv[4]))
else await main()

/**
 * The TypeScript sources compiled to plain ESM once (swc, as Jest does), so the measured child
 * process carries neither a transpiler nor its memory.
 */
async function compile(out) {
  // Loaded here only: the measured child process must not carry swc's native module.
  const { transformFile } = await import('@swc/core')
  const walk = async dir =>
    (await readdir(dir, { withFileTypes: true }))
      .flatMap(e => (e.isDirectory() ? [] : [join(dir, e.name)]))
      .concat(
        ...(await Promise.all(
          (await readdir(dir, { withFileTypes: true }))
            .filter(e => e.isDirectory())
            .map(e => walk(join(dir, e.name)))
        ))
      )
  for (const dir of ['src/lib', 'test/support']) {
    for (const file of (await walk(join(root, dir))).filter(f => f.endsWith('.ts'))) {
      const { code } = await transformFile(file, {
        jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
        module: { type: 'es6' },
        swcrc: false
      })
      const target = join(out, relative(root, file)).replace(/\.ts$/, '.js')
      await mkdir(dirname(target), { recursive: true })
      await writeFile(target, code)
    }
  }
  await writeFile(join(out, 'package.json'), '{"type":"module"}')
}

/** One oci-layer push, timed inside the process (startup excluded). */
async function child(build, options) {
  const lib = file => import(pathToFileURL(join(build, 'src/lib', file)).href)
  const { buildOciLayerImage } = await lib('image/oci-layer.js')
  const { RegistryClient } = await lib('oci/registry-client.js')
  const { parseImageReference } = await lib('oci/reference.js')
  const client = new RegistryClient({ registry: options.registry, insecure: true })
  const started = performance.now()
  const result = await buildOciLayerImage({
    baseImage: parseImageReference(options.base),
    image: parseImageReference(`${options.registry}/${options.repository}`),
    tags: ['bench'],
    modelPath: options.model,
    created: new Date(0),
    client: () => client,
    cacheDir: options.cacheDir,
    compression: options.compression
  })
  const ms = performance.now() - started
  process.stdout.write(
    JSON.stringify({
      ms,
      digest: result.digest,
      layerSize: result.layer.size,
      unchanged: result.unchanged,
      maxRssKiB: process.resourceUsage().maxRSS
    })
  )
}

function runChild(build, options) {
  const started = performance.now()
  const result = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%U %S %M',
      process.execPath,
      fileURLToPath(import.meta.url),
      '--child',
      build,
      JSON.stringify(options)
    ],
    {
      env: bareEnv(),
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 16 * MiB
    }
  )
  const wallMs = performance.now() - started
  if (result.status !== 0) throw new Error(`push failed: ${result.stderr}`)
  const [user, system, peakKiB] = result.stderr.trim().split('\n').pop().split(' ').map(Number)
  return {
    ...JSON.parse(result.stdout),
    wallMs,
    peakMiB: peakKiB / 1024,
    cpuMs: (user + system) * 1000
  }
}

async function writeRandomFile(path, bytes, hash) {
  const out = createWriteStream(path)
  for (let left = bytes; left > 0; left -= 8 * MiB) {
    const chunk = randomBytes(Math.min(8 * MiB, left))
    hash?.update(chunk)
    if (!out.write(chunk)) await new Promise(resolve => out.once('drain', resolve))
  }
  await new Promise((resolve, reject) => out.end(error => (error ? reject(error) : resolve())))
}

/** The floor: POST for a session, then one monolithic PUT of the whole file with curl. */
function rawUpload(registryUrl, repository, file, digest) {
  const started = performance.now()
  const post = spawnSync(
    'curl',
    [
      '-sS',
      '-o',
      '/dev/null',
      '-D',
      '-',
      '-X',
      'POST',
      `${registryUrl}/v2/${repository}/blobs/uploads/`
    ],
    { encoding: 'utf8' }
  )
  const location = /^location:\s*(\S+)/im.exec(post.stdout)?.[1]
  if (!location) throw new Error(`no upload location: ${post.stdout}${post.stderr}`)
  const url = new URL(location, registryUrl)
  url.searchParams.set('digest', digest)
  const put = spawnSync(
    'curl',
    [
      '-sS',
      '-f',
      '-o',
      '/dev/null',
      '-X',
      'PUT',
      '-H',
      'content-type: application/octet-stream',
      '-T',
      file,
      url.toString()
    ],
    {
      encoding: 'utf8'
    }
  )
  if (put.status !== 0) throw new Error(`raw upload failed: ${put.stderr}`)
  return performance.now() - started
}

async function main() {
  const sizeMiB = Number(argument('--size-mib', '1024'))
  const compression = argument('--compression', 'gzip')
  const runs = Number(argument('--runs', '3'))
  const work = await mkdtemp(join(tmpdir(), 'bench-oci-push-'))
  const build = join(work, 'build')
  await compile(build)
  const { startRegistry } = await import(
    pathToFileURL(join(build, 'test/support/registry.js')).href
  )
  const { pushBusyboxBase } = await import(
    pathToFileURL(join(build, 'test/support/base-images.js')).href
  )
  const registry = await startRegistry()
  try {
    const base = await pushBusyboxBase(registry.host, 'bench/base')
    // A model as they come: a few large weight shards and some small metadata files.
    const model = join(work, 'model')
    await mkdir(model)
    const shards = 4
    for (let i = 0; i < shards; i++)
      await writeRandomFile(join(model, `shard-${i}.bin`), (sizeMiB * MiB) / shards)
    await writeFile(join(model, 'config.json'), JSON.stringify({ layers: 24, hidden: 1024 }))
    await writeFile(
      join(model, 'vocab.txt'),
      Array.from({ length: 20000 }, (_, i) => `token${i}`).join('\n')
    )

    const rows = []
    const ratios = []
    const rawTimes = []
    const pushes = []
    for (let run = 1; run <= runs; run++) {
      // The same byte count as the layer blob the push will send, as a pre-made file.
      const hash = createHash('sha256')
      const rawFile = join(work, `raw-${run}.bin`)
      await writeRandomFile(rawFile, sizeMiB * MiB, hash)
      const rawMs = rawUpload(
        registry.url,
        `bench/raw-${run}`,
        rawFile,
        `sha256:${hash.digest('hex')}`
      )
      const rawBytes = (await stat(rawFile)).size
      await rm(rawFile)
      rawTimes.push({ ms: rawMs, bytes: rawBytes })
      const push = runChild(build, {
        registry: registry.host,
        repository: `bench/model-${run}`,
        compression,
        base: base.ref,
        model,
        cacheDir: join(work, `cache-${run}`)
      })
      pushes.push(push)
      const rawMiBs = rawBytes / MiB / (rawMs / 1000)
      const pushMiBs = push.layerSize / MiB / (push.ms / 1000)
      rows.push([
        `${run}`,
        `${fmt(rawMs / 1000, 2)} s`,
        `${fmt(rawMiBs, 0)} MiB/s`,
        `${fmt(push.ms / 1000, 2)} s`,
        `${fmt(pushMiBs, 0)} MiB/s`,
        `${fmt((pushMiBs / rawMiBs) * 100, 0)}%`,
        `${fmt(push.cpuMs / 1000, 2)} s`,
        `${fmt(push.peakMiB, 0)} MiB`
      ])
      ratios.push(pushMiBs / rawMiBs)
    }
    const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
    rows.push([
      '**median**',
      `${fmt(median(rawTimes.map(r => r.ms)) / 1000, 2)} s`,
      '',
      `${fmt(median(pushes.map(p => p.ms)) / 1000, 2)} s`,
      '',
      `**${fmt(median(ratios) * 100, 0)}%**`,
      '',
      `**${fmt(Math.max(...pushes.map(p => p.peakMiB)), 0)} MiB** (max)`
    ])
    const again = runChild(build, {
      registry: registry.host,
      repository: `bench/model-${runs}`,
      compression,
      base: base.ref,
      model,
      cacheDir: join(work, `cache-${runs}`)
    })
    const first = pushes.at(-1)
    const digestsEqual =
      pushes.every(p => p.digest === first.digest) && again.digest === first.digest

    console.log(`### oci-layer push of a ${sizeMiB} MiB model vs a raw upload\n`)
    console.log(
      `Command: \`node bench/oci-push.mjs --size-mib ${sizeMiB} --runs ${runs} --compression ${compression}\` (${process.version}, ${(await import('node:os')).cpus().length} CPUs)\n`
    )
    console.log(
      table(
        [
          'run',
          'raw upload (curl -T, monolithic PUT)',
          'raw throughput',
          'oci-layer push (tar+compress+upload+manifests)',
          'push throughput',
          'push / raw',
          'push CPU (user+sys)',
          'push peak RSS'
        ],
        rows
      )
    )
    console.log()
    console.log(
      table(
        ['re-run, nothing changed', 'value'],
        [
          ['push, in process', `${fmt(again.ms, 0)} ms`],
          ['whole child process (node start + push)', `${fmt(again.wallMs, 0)} ms`],
          ['unchanged detected', String(again.unchanged)],
          ['peak RSS', `${fmt(again.peakMiB, 0)} MiB`],
          ['same digest on every push', String(digestsEqual)]
        ]
      )
    )
    console.log(
      `\nTargets: push / raw >= 80%, push peak RSS <= 200 MiB, re-run <= 1000 ms. ` +
        `Machine load average at the end: ${(await import('node:os')).loadavg()[0].toFixed(2)}.`
    )
  } finally {
    await registry.stop()
    await rm(work, { recursive: true, force: true })
  }
}
