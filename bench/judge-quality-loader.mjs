// Module hooks that let the judge-quality benchmark import the TypeScript sources of src/lib
// as they are, without a build: `./x.js` resolves to `./x.ts` when only the .ts exists (NodeNext
// style imports), and .ts files are stripped of their types by swc, as Jest's transform does.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { transformSync } from '@swc/core'

export async function resolve(specifier, context, nextResolve) {
  if (
    specifier.startsWith('.') &&
    specifier.endsWith('.js') &&
    context.parentURL?.endsWith('.ts')
  ) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL)
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true }
  }
  return nextResolve(specifier, context)
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context)
  const { source } = await nextLoad(url, { ...context, format: 'module' })
  const { code } = transformSync(String(source), {
    filename: fileURLToPath(url),
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'es6' }
  })
  return { format: 'module', source: code, shortCircuit: true }
}
