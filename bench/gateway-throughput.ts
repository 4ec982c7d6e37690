/**
 * Gateway throughput: cached `tools/call` requests per second through
 * `mcp-cache serve` (HTTP), driven by autocannon, against the same trivial
 * tool served directly by its SDK v2 server over HTTP.
 *
 * Run: `npm run bench:throughput` (builds first). Prints a table and the lines for bench/RESULTS.md.
 */
import { cpus } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { spawnWithUrl } from './spawn-with-url.js'

const ROOT = join(import.meta.dirname, '..', '..')
const CLI = join(ROOT, 'dist', 'cli', 'main.js')
const SERVER = join(ROOT, 'test', 'fixtures', 'counting-server.mjs')
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8)
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 16)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3)
const PROTOCOL = '2025-11-25'
const ACCEPT = 'application/json, text/event-stream'

/** Opens an MCP session the way a 2025-11-25 client does; returns the headers every later request carries. */
async function openSession(url: string): Promise<Record<string, string>> {
  const base = { 'content-type': 'application/json', accept: ACCEPT }
  const init = await fetch(url, {
    method: 'POST',
    headers: base,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'autocannon', version: '1' } } }),
  })
  if (!init.ok) throw new Error(`initialize answered ${init.status}: ${await init.text()}`)
  await init.text()
  const session = init.headers.get('mcp-session-id')
  const headers = { ...base, 'mcp-protocol-version': PROTOCOL, ...(session === null ? {} : { 'mcp-session-id': session }) }
  await (await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text()
  return headers
}

/** Requests per second and latency of one autocannon run of `tools/call lookup_code`. */
async function load(url: string, headers: Record<string, string>): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'lookup_code', arguments: { code: 'E11.9' } } })
  const result = await autocannon({ url, method: 'POST', headers, body, connections: CONNECTIONS, duration: SECONDS })
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

const upstream = await spawnWithUrl([SERVER, 'http', '0'])
const gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url])
try {
  const targets = [
    { name: 'upstream served directly (SDK v2, HTTP)', url: upstream.url, headers: await openSession(upstream.url) },
    { name: 'through mcp-cache serve (cached)', url: gateway.url, headers: await openSession(gateway.url) },
  ]
  for (const target of targets) await load(target.url, target.headers) // warm up, and fill the cache
  const runs = new Map<string, Array<{ rps: number; p50: number; p99: number; errors: number }>>()
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order each round so neither side always runs on a warmer machine.
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      runs.set(target.name, [...(runs.get(target.name) ?? []), await load(target.url, target.headers)])
    }
  }
  const rows = targets.map((target) => {
    const measured = runs.get(target.name) ?? []
    return { name: target.name, rps: median(measured.map((m) => m.rps)), p50: median(measured.map((m) => m.p50)), p99: median(measured.map((m) => m.p99)), errors: measured.reduce((sum, m) => sum + m.errors, 0) }
  })
  const [direct, cached] = rows as [(typeof rows)[number], (typeof rows)[number]]
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} vCPUs (${cpu}), autocannon ${CONNECTIONS} connections x ${SECONDS} s, ${ROUNDS} interleaved rounds, medians; the gateway and the upstream each run in their own process.\n`)
  console.log('| path | requests/s | p50 ms | p99 ms | errors |')
  console.log('|---|---:|---:|---:|---:|')
  for (const row of rows) console.log(`| ${row.name} | ${Math.round(row.rps).toLocaleString('en-US')} | ${row.p50} | ${row.p99} | ${row.errors} |`)
  console.log(`\nCached through the gateway: ${(cached.rps / direct.rps).toFixed(2)}x the requests per second of the upstream served directly.`)
} finally {
  gateway.child.kill('SIGTERM')
  upstream.child.kill('SIGTERM')
}
