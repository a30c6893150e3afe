#!/usr/bin/env node
// Writes each action's usage block (inputs and outputs tables) into its README.md from its
// action.yml, between `<!-- usage:start -->` and `<!-- usage:end -->`. `--check` only reports
// READMEs that are out of date (a test runs it), so the docs cannot drift from the metadata.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { actionNames } from './bundle.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const START = '<!-- usage:start -->'
const END = '<!-- usage:end -->'

export function actionDir(name) {
  return name === 'deploy' ? join(root, 'deploy') : join(root, 'actions', name)
}

const cell = text =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim()

export function usageBlock(name) {
  const meta = parse(readFileSync(join(actionDir(name), 'action.yml'), 'utf8'))
  const path = name === 'deploy' ? 'deploy' : `actions/${name}`
  const inputs = Object.entries(meta.inputs ?? {})
  const example = inputs
    .filter(([, spec]) => spec.required)
    .map(([input]) => `    ${input}: ...`)
    .join('\n')
  return [
    START,
    '```yaml',
    `- uses: org/mlops-actions/${path}@v1`,
    ...(example ? ['  with:', example] : []),
    '```',
    '',
    '| input | required | default | description |',
    '| --- | --- | --- | --- |',
    ...inputs.map(
      ([input, spec]) =>
        `| \`${input}\` | ${spec.required ? 'yes' : 'no'} | ${spec.default === undefined || spec.default === '' ? '' : `\`${cell(spec.default)}\``} | ${cell(spec.description)} |`
    ),
    '',
    '| output | description |',
    '| --- | --- |',
    ...Object.entries(meta.outputs ?? {}).map(
      ([output, spec]) => `| \`${output}\` | ${cell(spec.description)} |`
    ),
    END
  ].join('\n')
}

export function staleReadmes() {
  const stale = []
  for (const name of actionNames()) {
    const file = join(actionDir(name), 'README.md')
    const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
    const start = text.indexOf(START)
    const end = text.indexOf(END)
    if (start < 0 || end < 0 || text.slice(start, end + END.length) !== usageBlock(name))
      stale.push(file)
  }
  return stale
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check')
  if (check) {
    const stale = staleReadmes()
    if (stale.length) {
      console.error(`Out of date (run npm run docs):\n${stale.join('\n')}`)
      process.exit(1)
    }
  } else {
    for (const name of actionNames()) {
      const file = join(actionDir(name), 'README.md')
      const text = existsSync(file) ? readFileSync(file, 'utf8') : `# ${name}\n\n${START}\n${END}\n`
      const start = text.indexOf(START)
      const end = text.indexOf(END)
      const next =
        start < 0 || end < 0
          ? `${text.trimEnd()}\n\n## Usage\n\n${usageBlock(name)}\n`
          : text.slice(0, start) + usageBlock(name) + text.slice(end + END.length)
      writeFileSync(file, next)
    }
  }
}
