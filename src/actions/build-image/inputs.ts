import { isAbsolute, resolve } from 'node:path'
import { InputError } from '../../lib/errors.js'
import {
  parseBuilderChoice,
  type BuilderChoice,
  type BuildSecret
} from '../../lib/image/builders.js'
import { parseLabels } from '../../lib/image/tags.js'
import { DIGEST_PATTERN, isLocalRegistry, type ImageReference } from '../../lib/oci/reference.js'
import { readRunnerContext } from '../../lib/runner-context.js'
import { actionInputs } from '../common/runtime.js'

const HEX_SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/
const KEY_VALUE = /^[A-Za-z_][A-Za-z0-9_.-]*=/

export interface BuildImageInputs {
  image: ImageReference
  builder: BuilderChoice
  version: string
  sha: string
  tree: string
  tags: string[]
  labels: Record<string, string>
  context: string
  file: string
  buildArgs: Record<string, string>
  platforms: string[]
  target: string
  push: boolean
  cacheFrom: string[]
  cacheTo: string[]
  secrets: BuildSecret[]
  isolation: 'chroot' | 'oci' | 'rootless'
  storageDriver: string
  baseImage?: ImageReference
  modelPath: string
  modelDestination: string
  platform: string
  compression: 'gzip' | 'none'
  promoteFrom?: ImageReference
  reuseTree: boolean
  /** For reuse-tree: checks the tree's image against this repository's own deployments. */
  githubToken: string
  expectedDigest: string
  username: string
  password: string
  token: string
  insecure: boolean
}

/** Every input, validated before anything is built or pushed. */
export function getInputs(): BuildImageInputs {
  const inputs = actionInputs()
  const workspace = readRunnerContext().workspace
  const inWorkspace = (path: string) =>
    path ? (isAbsolute(path) ? path : resolve(workspace, path)) : ''
  const image = inputs.image('image', { required: true }) as ImageReference
  if (image.tag || image.digest) {
    throw new InputError(
      'image',
      inputs.raw('image'),
      'an image name without a tag or digest (tags come from version, sha, tree and tags)'
    )
  }
  const platform = inputs.raw('platform') || 'linux/amd64'
  if (platform !== 'all' && !PLATFORM.test(platform))
    throw new InputError('platform', platform, 'os/arch such as linux/amd64, or all')
  const platforms = inputs.list('platforms')
  for (const p of platforms)
    if (!PLATFORM.test(p))
      throw new InputError('platforms', p, 'os/arch values such as linux/amd64,linux/arm64')
  return {
    image,
    builder: parseBuilderChoice(inputs.raw('builder')),
    version: inputs.semver('version'),
    sha: inputs.matching('sha', HEX_SHA, 'a full commit SHA (40 hex digits)'),
    tree: inputs.matching('tree', HEX_SHA, 'a full git tree hash (40 hex digits)'),
    tags: inputs.list('tags'),
    labels: parseLabels(inputs.raw('labels')),
    context: inWorkspace(inputs.raw('context') || '.'),
    file: inWorkspace(inputs.raw('file')),
    buildArgs: keyValues('build-args', inputs.raw('build-args')),
    platforms,
    target: inputs.matching('target', /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a build stage name'),
    push: inputs.bool('push', true),
    cacheFrom: inputs.list('cache-from'),
    cacheTo: inputs.list('cache-to'),
    secrets: parseSecrets(inputs.raw('secrets')),
    isolation: inputs.oneOf('isolation', ['chroot', 'oci', 'rootless'] as const, 'chroot'),
    storageDriver: inputs.matching(
      'storage-driver',
      /^[a-z0-9]+$/,
      'a storage driver name such as vfs or overlay'
    ),
    baseImage: inputs.image('base-image'),
    modelPath: inWorkspace(inputs.raw('model-path')),
    modelDestination: inputs.matching(
      'model-destination',
      /^\/[A-Za-z0-9._/-]*$/,
      'an absolute path in the image such as /model',
      '/model'
    ),
    platform,
    compression: inputs.oneOf('compression', ['gzip', 'none'] as const, 'gzip'),
    promoteFrom: inputs.image('promote-from'),
    reuseTree: inputs.bool('reuse-tree', false),
    githubToken: inputs.secret('github-token'),
    expectedDigest: inputs.matching(
      'expected-digest',
      DIGEST_PATTERN,
      'a digest such as sha256:0123...'
    ),
    username: inputs.string('username'),
    password: inputs.secret('password'),
    token: inputs.secret('token'),
    insecure: insecureRegistry(inputs.bool('insecure-registry', false), image)
  }
}

/** Plain HTTP is for local registries only: a public registry is never spoken to in the clear. */
function insecureRegistry(insecure: boolean, image: ImageReference): boolean {
  if (insecure && !isLocalRegistry(image.registry)) {
    throw new InputError(
      'insecure-registry',
      'true',
      `false for ${image.registry}: plain HTTP is allowed only for local registries (localhost, 127.0.0.0/8, [::1], *.local, or a bare host name such as registry:5000)`
    )
  }
  return insecure
}

function keyValues(input: string, text: string): Record<string, string> {
  const values: Record<string, string> = {}
  for (const line of parseLines(text)) {
    if (!KEY_VALUE.test(line)) throw new InputError(input, line, 'KEY=VALUE lines')
    const at = line.indexOf('=')
    values[line.slice(0, at)] = line.slice(at + 1)
  }
  return values
}

function parseSecrets(text: string): BuildSecret[] {
  return parseLines(text).map(line => {
    const match = /^([A-Za-z0-9_.-]+)=([A-Za-z_][A-Za-z0-9_]*)$/.exec(line)
    if (!match)
      throw new InputError(
        'secrets',
        line.replace(/=.*/, '=…'),
        'id=ENV_VAR lines (the secret is read from that environment variable)'
      )
    return { id: match[1] as string, env: match[2] as string }
  })
}

/** Lines only: build arguments may hold commas. */
function parseLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
}
