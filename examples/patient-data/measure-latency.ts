/**
 * Prints how much faster a cached read is than a VistA RPC round trip: spawns
 * the compiled server next to this file, reads N patients twice each (miss,
 * then hit) as one user, and prints the median of each, measured at the client.
 * Run: node .examples-build/patient-data/measure-latency.js   (CACHE_BACKEND etc. pass through)
 */
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'

const PATIENTS = Number(process.env['MEASURE_PATIENTS'] ?? 20)
const USER_DUZ = '10000000219'

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

const transport = new StdioClientTransport({
  command: process.execPath,
  args: [fileURLToPath(new URL('./server.js', import.meta.url))],
  env: { ...(process.env as Record<string, string>), LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'error' },
  stderr: 'inherit',
})
const client = new Client({ name: 'patient-data-measure', version: '1.0.0' })
await client.connect(transport)
const timings: Record<string, number[]> = { miss: [], hit: [] }
for (let n = 0; n < PATIENTS; n++) {
  for (let round = 0; round < 2; round++) {
    const started = performance.now()
    const result = await client.callTool({ name: 'get_patient', arguments: { station: '640', dfn: String(100_800 + n) }, _meta: { 'vista/userDuz': USER_DUZ } })
    const status = String((result.structuredContent as { cache?: unknown } | undefined)?.cache)
    timings[status]?.push(performance.now() - started)
  }
}
await client.close()
const miss = median(timings['miss'] ?? [])
const hit = median(timings['hit'] ?? [])
console.log(`get_patient over stdio, ${PATIENTS} patients, median at the client: miss ${miss.toFixed(1)} ms (${timings['miss']?.length} calls), hit ${hit.toFixed(2)} ms (${timings['hit']?.length} calls), ${(miss / hit).toFixed(0)}x`)
