// `npm run bench`: every benchmark in one run, each against a floor measured in the same run,
// printed as Markdown tables with the command line.
const suites = process.argv.slice(2)
const all = {
  'cold-start': () => import('./cold-start.mjs'),
  'version-tag': () => import('./version-tag.mjs')
}
console.log(
  `# Benchmarks\n\nCommand: \`npm run bench${suites.length ? ` -- ${suites.join(' ')}` : ''}\` on ${new Date().toISOString().slice(0, 10)}, ${process.platform} ${process.arch}\n`
)
for (const [name, load] of Object.entries(all)) {
  if (suites.length && !suites.includes(name)) continue
  const suite = await load()
  console.log(`${await suite.run()}\n`)
}
