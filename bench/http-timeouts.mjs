#!/usr/bin/env node
// Do the HTTP timeouts cost the normal path anything? Sequential GETs of a 64 KiB answer from a
// loopback server, with plain fetch (the floor, measured in the same run) and with the suite's
// fetchWithTimeouts (headers timer, plus a stream that re-arms an idle timer per chunk), in
// alternating rounds so that machine noise hits both alike.
//
//   node bench/http-timeouts.mjs [--requests 2000] [--rounds 5]
import { createServer } from 'node:http'
import { register } from 'node:module'
import { performance } from 'node:perf_hooks'

register('./judge-quality-loader.mjs', import.meta.url)
const { fetchWithTimeouts } = await import('../src/lib/http-timeouts.ts')

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const REQUESTS = option('requests', 2000)
const ROUNDS = option('rounds', 5)

const payload = Buffer.alloc(64 * 1024, 1)
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' })
  res.end(payload)
})
await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${server.address().port}/v2/blob`

async function run(fetchImpl) {
  const began = performance.now()
  for (let i = 0; i < REQUESTS; i++) {
    const response = await fetchImpl(url)
    await response.arrayBuffer()
  }
  return (performance.now() - began) / REQUESTS
}

const bounded = fetchWithTimeouts(fetch)
await run(fetch)
await run(bounded)
const plain = []
const timed = []
for (let round = 0; round < ROUNDS; round++) {
  plain.push(await run(fetch))
  timed.push(await run(bounded))
}
server.close()
const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const p = median(plain)
const t = median(timed)
console.log(`command: node bench/http-timeouts.mjs ${args.join(' ')}`.trim())
console.log(`settings: ${REQUESTS} sequential GETs of 64 KiB per round, ${ROUNDS} rounds, median\n`)
console.log('| client | per request | vs plain fetch |')
console.log('| --- | --- | --- |')
console.log(`| plain fetch (floor) | ${(p * 1000).toFixed(0)} µs | 1.00× |`)
console.log(`| fetchWithTimeouts | ${(t * 1000).toFixed(0)} µs | ${(t / p).toFixed(2)}× |`)
