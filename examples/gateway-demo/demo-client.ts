/**
 * `npm run demo`: a scripted MCP client against the gateway `npm start` runs.
 * Calls each medical-codes tool twice and prints how the gateway answered
 * (`_meta["mcp-cache/status"]`) and how long each call took, as the client saw it.
 *
 * Usage: npm run demo [-- http://127.0.0.1:3000/mcp]
 */
import { performance } from 'node:perf_hooks'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'

/** The calls the demo makes, in order: each runs twice. */
const SCRIPT: ReadonlyArray<{ tool: string; args: Record<string, unknown> }> = [
  { tool: 'lookup_cpt', args: { code: '99213' } },
  { tool: 'lookup_icd10', args: { code: 'Z00.00' } },
  { tool: 'codes_by_category', args: { type: 'icd10', category: 'E11' } },
  { tool: 'crosswalk', args: { icd10: 'Z00.00', cpt: '99213' } },
  { tool: 'search_codes', args: { query: 'knee' } },
  { tool: 'hot_codes', args: { teamId: 'cardiology' } },
]

/** One timed call: the gateway's status and the client's latency. */
async function timedCall(client: Client, tool: string, args: Record<string, unknown>): Promise<{ status: string; ms: number }> {
  const started = performance.now()
  const result = await client.callTool({ name: tool, arguments: args })
  const ms = performance.now() - started
  return { status: String(result._meta?.['mcp-cache/status'] ?? 'none'), ms }
}

const url = new URL(process.argv[2] ?? 'http://127.0.0.1:3000/mcp')
const client = new Client({ name: 'mcp-cache-demo', version: '1.0.0' })
try {
  await client.connect(new StreamableHTTPClientTransport(url))
} catch (error) {
  console.error(`No gateway answers at ${url.href} (${(error as Error).message}).\nStart it first with \`npm start\` in another terminal, or pass its URL: npm run demo -- <url>`)
  process.exit(1)
}

/** How many queries have reached the code database so far (the server's own counter, never cached). */
async function originQueries(): Promise<number> {
  const result = await client.callTool({ name: 'origin_stats', arguments: {} })
  return (result.structuredContent as { origin?: { total?: number } } | undefined)?.origin?.total ?? 0
}

const before = await originQueries()
const format = (ms: number) => `${ms.toFixed(1).padStart(7)} ms`
console.log(`mcp-cache demo against ${url.href}\n`)
console.log(`${'call'.padEnd(54)}${'first'.padEnd(20)}${'second'.padEnd(20)}speed-up`)
for (const { tool, args } of SCRIPT) {
  const first = await timedCall(client, tool, args)
  const second = await timedCall(client, tool, args)
  const label = `${tool} ${JSON.stringify(args)}`
  console.log(`${label.padEnd(54)}${`${first.status.padEnd(6)}${format(first.ms)}`.padEnd(20)}${`${second.status.padEnd(6)}${format(second.ms)}`.padEnd(20)}${(first.ms / second.ms).toFixed(0)}x`)
}

const queries = (await originQueries()) - before
console.log(`\nThe ${SCRIPT.length * 2} calls reached the code database ${queries} times: only first calls that missed went there (hot codes are warmed at start).`)
console.log('Run the demo again and every call is a hit. Watch it live on the dashboard (the URL npm start printed).')
await client.close()
