/**
 * What tracing costs on the hit path, measured side by side in one run: the library's in-process
 * getOrSet hit with tracing off and on (a real SDK provider whose exporter drops what it gets), and
 * a cached `tools/call` through `mcp-cache proxy` with tracing off and on (OTLP/HTTP to a local
 * receiver that answers at once). Rounds are interleaved; medians are reported.
 *
 * Run: `npm run bench:tracing` (builds first). Prints a table and the lines for bench/RESULTS.md.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import { createCache } from '../src/cache/create-cache.js'

const ROOT = join(import.meta.dirname, '..', '..')
const CLI = join(ROOT, 'dist', 'cli', 'main.js')
const SERVER = join(ROOT, 'test', 'fixtures', 'counting-server.mjs')
const ROUNDS = 5
const HITS = 200_000
const CALLS = 300

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

/** An exporter that drops every span: the cost measured is the SDK's, not a network's. */
const dropping: SpanExporter = {
  export: (_spans: ReadableSpan[], done) => done({ code: 0 }),
  shutdown: async () => undefined,
}

/** Library hits per second of one cache. */
async function libraryHits(tracing: boolean): Promise<number> {
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] })
  const cache = createCache({ logger: false, ...(tracing ? { tracing: { tracerProvider: provider } } : {}) })
  await cache.getOrSet('bench:key', () => ({ value: 'x'.repeat(1000) }))
  const started = performance.now()
  for (let i = 0; i < HITS; i++) await cache.getOrSet('bench:key', () => ({ value: 'never' }))
  const perSecond = HITS / ((performance.now() - started) / 1000)
  await cache.close()
  await provider.shutdown()
  return perSecond
}

/** p50 (ms) of a cached tools/call through proxy, with tracing off or on. */
async function proxyHit(env: Record<string, string>): Promise<number> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'proxy', '--', process.execPath, SERVER], env: { ...(process.env as Record<string, string>), LOG_LEVEL: 'error', ...env }, stderr: 'ignore' })
  const client = new Client({ name: 'bench-tracing', version: '1.0.0' }, { capabilities: {} })
  await client.connect(transport)
  for (let i = 0; i < 20; i++) await client.callTool({ name: 'lookup_code', arguments: { code: 'B1' } })
  const times: number[] = []
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now()
    await client.callTool({ name: 'lookup_code', arguments: { code: 'B1' } })
    times.push(performance.now() - started)
  }
  await client.close()
  return median(times)
}

const receiver = createServer((req, res) => {
  req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
})
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
const tracingOn = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }

const results: Record<string, number[]> = { libraryOff: [], libraryOn: [], proxyOff: [], proxyOn: [] }
for (let round = 1; round <= ROUNDS; round++) {
  results['libraryOff']?.push(await libraryHits(false))
  results['libraryOn']?.push(await libraryHits(true))
  results['proxyOff']?.push(await proxyHit({}))
  results['proxyOn']?.push(await proxyHit(tracingOn))
  console.error(`round ${round}/${ROUNDS} done`)
}
receiver.close()

const m = Object.fromEntries(Object.entries(results).map(([name, values]) => [name, median(values)])) as Record<string, number>
const libraryOff = m['libraryOff'] ?? 0
const libraryOn = m['libraryOn'] ?? 0
const proxyOff = m['proxyOff'] ?? 0
const proxyOn = m['proxyOn'] ?? 0
console.log(`${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} vCPUs (${cpus()[0]?.model ?? 'unknown'}), ${ROUNDS} interleaved rounds, medians.`)
console.log('')
console.log('| path | tracing off | tracing on | on / off |')
console.log('|---|---:|---:|---:|')
console.log(`| library in-process hit (getOrSet, 1 KB), hits/s | ${Math.round(libraryOff).toLocaleString('en-US')} | ${Math.round(libraryOn).toLocaleString('en-US')} | ${(libraryOn / libraryOff).toFixed(2)}x |`)
console.log(`| \`proxy\` cached tools/call, p50 ms | ${proxyOff.toFixed(3)} | ${proxyOn.toFixed(3)} | ${(proxyOn / proxyOff).toFixed(2)}x |`)
