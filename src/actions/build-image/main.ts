import * as core from '@actions/core'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { errorMessage, UserError } from '../../lib/errors.js'
import { createGit } from '../../lib/git.js'
import {
  buildImage,
  buildSummary,
  progressLogger,
  promote,
  type BuildImageOutcome
} from '../../lib/image/build-image.js'
import { imageLabels, imageTags, resolveCreated } from '../../lib/image/tags.js'
import {
  dockerConfigCredentials,
  setCredentialMask,
  type RegistryCredentials
} from '../../lib/oci/auth.js'
import { createGitHubClient } from '../../lib/github/client.js'
import { findDeploymentOfTree } from '../../lib/github/deployments.js'
import { findImageForTree } from '../../lib/oci/promote.js'
import {
  formatImageReference,
  isLocalRegistry,
  type ImageReference
} from '../../lib/oci/reference.js'
import { RegistryClient } from '../../lib/oci/registry-client.js'
import { readRunnerContext, RunnerEnv } from '../../lib/runner-context.js'
import { actionLog, setOutputs, writeSummary } from '../common/runtime.js'
import { getInputs, type BuildImageInputs } from './inputs.js'

export async function run(): Promise<void> {
  setCredentialMask(secret => core.setSecret(secret))
  const inputs = getInputs()
  const context = readRunnerContext()
  const git = createGit(context.workspace)
  const commit = await commitFacts(git, inputs)
  const credentials = await registryCredentials(inputs)
  const clients = new Map<string, RegistryClient>()
  // Credentials go to the target registry only; other registries (a public base) are anonymous.
  const client = (registry: string) => {
    let existing = clients.get(registry)
    if (!existing) {
      existing = new RegistryClient({
        registry,
        // insecure-registry names the target; another registry (a public base) stays on HTTPS.
        insecure: inputs.insecure && isLocalRegistry(registry),
        credentials: registry === inputs.image.registry ? credentials : undefined,
        log: actionLog
      })
      clients.set(registry, existing)
    }
    return existing
  }
  const tags = imageTags({
    version: inputs.version,
    sha: commit.sha,
    tree: commit.tree,
    extra: inputs.tags
  })

  const source = inputs.promoteFrom ?? (await builtForTree(inputs, commit.tree, client))
  let outcome: BuildImageOutcome
  if (source) {
    await checkExpectedDigest(inputs, source, client)
    outcome = await promote({ from: source, to: inputs.image, tags, client, log: actionLog })
  } else {
    if (inputs.expectedDigest) {
      throw new UserError(
        `expected-digest ${inputs.expectedDigest} was given, but there is nothing to promote: ${inputs.reuseTree ? `no image is tagged tree-${commit.tree} in ${formatImageReference(inputs.image)}` : 'set promote-from or reuse-tree'}. The tested image must be promoted, not rebuilt.`
      )
    }
    const workDir = await privateDir(context.runnerTemp)
    // It holds credential files (buildah's auth file, docker's private config) while the build
    // runs: removed when the build ends, and by the post step when the step was cancelled.
    core.saveState(WORK_DIR_STATE, workDir)
    outcome = await buildImage({
      builder: inputs.builder,
      verifyWith: inputs.push ? client(inputs.image.registry) : undefined,
      request: {
        image: inputs.image,
        tags,
        labels: imageLabels({
          version: inputs.version || undefined,
          revision: commit.sha || undefined,
          source: context.owner
            ? `${context.serverUrl}/${context.owner}/${context.repo}`
            : undefined,
          created: commit.created,
          tree: commit.tree || undefined,
          extra: inputs.labels
        }),
        context: inputs.context,
        file: inputs.file || undefined,
        buildArgs: inputs.buildArgs,
        platforms: inputs.platforms,
        target: inputs.target || undefined,
        push: inputs.push,
        cacheFrom: inputs.cacheFrom,
        cacheTo: inputs.cacheTo,
        secrets: inputs.secrets,
        insecure: inputs.insecure,
        credentials,
        workDir,
        isolation: inputs.isolation,
        storageDriver: inputs.storageDriver || undefined,
        baseImage: inputs.baseImage,
        modelPath: inputs.modelPath || undefined,
        destination: inputs.modelDestination,
        platform: inputs.platform,
        created: commit.created,
        compression: inputs.compression,
        registryClient: client,
        onProgress: progressLogger(actionLog),
        log: actionLog
      }
    }).finally(() => rm(workDir, { recursive: true, force: true }))
  }
  core.info(`${outcome.imageRef} (${outcome.builder}, ${outcome.tags.length} tags)`)
  setOutputs({
    image: outcome.image,
    digest: outcome.digest,
    'image-ref': outcome.imageRef,
    tags: outcome.tags.join('\n'),
    metadata: outcome.metadata
  })
  await writeSummary(buildSummary(outcome))
}

interface CommitFacts {
  sha: string
  tree: string
  created: Date
}

/** sha, tree and creation time: from the inputs, else the checked-out commit. */
async function commitFacts(
  git: ReturnType<typeof createGit>,
  inputs: BuildImageInputs
): Promise<CommitFacts> {
  const head = await git.run(['log', '-1', '--format=%H%n%T%n%ct']).catch(() => '')
  const [sha = '', tree = '', time = ''] = head.trim().split('\n')
  return {
    sha: inputs.sha || sha,
    tree: inputs.tree || tree,
    created: resolveCreated({
      sourceDateEpoch: process.env[RunnerEnv.SourceDateEpoch],
      commitTime: time
    })
  }
}

async function registryCredentials(
  inputs: BuildImageInputs
): Promise<RegistryCredentials | undefined> {
  if (inputs.token) return { token: inputs.token }
  if (inputs.username || inputs.password) {
    if (!inputs.username || !inputs.password) {
      throw new UserError('Registry login needs both username and password (or a token).')
    }
    return { username: inputs.username, password: inputs.password }
  }
  return dockerConfigCredentials(inputs.image.registry)
}

/** Build once: the image already built from this tree, when reuse-tree asks for it. */
async function builtForTree(
  inputs: BuildImageInputs,
  tree: string,
  client: (registry: string) => RegistryClient
): Promise<ImageReference | undefined> {
  if (!inputs.reuseTree) return undefined
  if (!tree)
    throw new UserError('reuse-tree needs the tree hash: check out the repository or set tree.')
  const found = await findImageForTree(client(inputs.image.registry), inputs.image.repository, tree)
  if (!found) {
    actionLog.info(`No image is tagged ${`tree-${tree}`} yet: building`)
    return undefined
  }
  const record = await recordedDeployment(inputs, tree, found.digest)
  if (typeof record === 'string') {
    const message = `${formatImageReference(inputs.image)}:${found.tag} is ${found.digest}, but ${record}: an image anyone with push access could have tagged is not reused`
    if (inputs.expectedDigest)
      throw new UserError(`${message}. The tested image must be promoted, not rebuilt.`)
    actionLog.warning(`${message}; building instead.`)
    return undefined
  }
  actionLog.info(
    `Build once: ${formatImageReference(inputs.image)}:${found.tag} is ${found.digest}, recorded by GitHub deployment ${record.id} (${record.environment}); promoting it instead of rebuilding`
  )
  return { ...inputs.image, digest: found.digest }
}

/** This repository's own record of the tree's image, or why there is none to trust. */
async function recordedDeployment(
  inputs: BuildImageInputs,
  tree: string,
  digest: string
): Promise<{ id: number; environment: string } | string> {
  if (!inputs.githubToken) return 'no github-token was given to check it against the deployments'
  const context = readRunnerContext()
  try {
    const github = await createGitHubClient({
      token: inputs.githubToken,
      baseUrl: context.apiUrl,
      log: actionLog
    })
    const found = await findDeploymentOfTree(
      github,
      { owner: context.owner, repo: context.repo },
      tree,
      digest
    )
    return (
      found ?? `no deployment of ${context.owner}/${context.repo} records that digest for this tree`
    )
  } catch (error) {
    return `its deployments could not be read (${errorMessage(error)}; the job needs deployments: read)`
  }
}

/** The digest that was tested must be the one promoted: checked before any tag moves. */
async function checkExpectedDigest(
  inputs: BuildImageInputs,
  source: ImageReference,
  client: (registry: string) => RegistryClient
): Promise<void> {
  if (!inputs.expectedDigest) return
  const head = await client(source.registry).headManifest(
    source.repository,
    source.digest ?? source.tag ?? 'latest'
  )
  if (head?.digest !== inputs.expectedDigest) {
    throw new UserError(
      `${formatImageReference(source)} is ${head?.digest ?? 'not found'}, not the tested ${inputs.expectedDigest}: the promotion stops.`
    )
  }
}

/** A 0700 folder under RUNNER_TEMP for auth files and build metadata. */
export const WORK_DIR_STATE = 'work-dir'

/** The post step's part: a work directory a cancelled build left behind, with its credentials. */
export async function removeWorkDir(): Promise<void> {
  const path = core.getState(WORK_DIR_STATE)
  // Only a directory this action made: a path from elsewhere is never deleted.
  if (!/\/build-image-[A-Za-z0-9]{6}$/.test(path) || !existsSync(path)) return
  await rm(path, { recursive: true, force: true })
  core.info('Removed the build directory and the credential files in it.')
}

async function privateDir(runnerTemp: string): Promise<string> {
  const parent = runnerTemp || tmpdir()
  await mkdir(parent, { recursive: true })
  return mkdtemp(join(parent, 'build-image-'))
}
