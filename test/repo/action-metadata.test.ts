/**
 * The action.yml files and the code agree: every declared input is read, every read input is
 * declared, every action runs on node24 from its own dist/ bundle, and the READMEs' usage blocks
 * are generated from the current metadata.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
// @ts-expect-error plain ESM script without types
import { actionNames } from '../../scripts/bundle.mjs'
// @ts-expect-error plain ESM script without types
import { staleReadmes } from '../../scripts/docs.mjs'
import { readActionMetadata, repoRoot } from '../harness/run-action.js'

const names: string[] = actionNames()

/**
 * Input names read in an action's inputs.ts: a kebab-case literal as a call's first argument,
 * including the input modules it reads through (the front door reads deploy-helm's and
 * canary-gate's inputs with their rules; the Helm actions share common/helm-inputs.ts).
 */
function inputsReadBy(name: string): Set<string> {
  return inputsReadIn(join(repoRoot, 'src', 'actions', name, 'inputs.ts'))
}

function inputsReadIn(file: string): Set<string> {
  const source = readFileSync(file, 'utf8')
  // import('yaml') loads a module; it reads no input.
  const names = new Set(
    [...source.matchAll(/(?<!import)\(\s*'([a-z][a-z0-9]*(?:-[a-z0-9]+)*)'/g)].map(
      m => m[1] as string
    )
  )
  for (const [, other] of source.matchAll(/from '(\.\.\/[a-z-]+\/[a-z-]*inputs)\.js'/g)) {
    for (const input of inputsReadIn(join(dirname(file), `${other}.ts`))) names.add(input)
  }
  return names
}

describe.each(names)('%s', name => {
  const metadata = readActionMetadata(name)

  test('declares exactly the inputs its code reads', () => {
    const declared = Object.keys(metadata.inputs ?? {}).sort()
    expect([...inputsReadBy(name)].sort()).toEqual(declared)
  })

  test('runs on node24 from its own committed bundle', () => {
    expect(metadata.runs.using).toBe('node24')
    const dir = name === 'deploy' ? 'deploy' : `actions/${name}`
    expect(join(dir, metadata.runs.main)).toBe(join('dist', name, 'index.js'))
    expect(existsSync(join(repoRoot, 'dist', name, 'index.js'))).toBe(true)
  })

  test('reads inputs only in inputs.ts', () => {
    const dir = join(repoRoot, 'src', 'actions', name)
    for (const file of readdirSync(dir).filter(f => f.endsWith('.ts') && f !== 'inputs.ts')) {
      expect(`${file}: ${readFileSync(join(dir, file), 'utf8')}`).not.toMatch(
        /core\.getInput|INPUT_|actionInputs\(/
      )
    }
  })
})

test('every README usage block is generated from the current action.yml', () => {
  expect(staleReadmes()).toEqual([])
})
