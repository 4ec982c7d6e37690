/**
 * Gateway benchmark: latency of a `tools/call` answered from the cache through
 * `mcp-cache proxy` (stdio) and `mcp-cache serve` (HTTP), against calling the
 * upstream directly, for a trivial tool and for one that takes 50 ms.
 *
 * Run: `npm run bench:gateway` (builds first). Prints a table and the lines for bench/RESULTS.md.
 */
import { cpus } from 'node:os'
import { join } from 'node:path'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { spawnWithUrl } from './spawn-with-url.js'

const ROOT = join(import.meta.dirname, '..', '..')
const CLI = join(ROOT, 'dist', 'cli', 'main.js')
const SERVER = join(ROOT, 'test', 'fixtures', 'counting-server.mjs')
const CALLS = Number(process.env['BENCH_CALLS'] ?? 400)
const SLOW_CALLS = 40

interface Row {
  readonly path: string
  readonly tool: string
  readonly p50: number
  readonly p99: number
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0
}

async function measure(client: Client, tool: string, calls: number, args: Record<string, unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await client.callTool({ name: tool, arguments: args }) // warm up (and fill the cache)
  const times: number[] = []
  for (let i = 0; i < calls; i++) {
    const started = performance.now()
    await client.callTool({ name: tool, arguments: args })
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) }
}

async function stdioClient(command: string[]): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' }, { capabilities: {} })
  await client.connect(new StdioClientTransport({ command: process.execPath, args: command, stderr: 'inherit', env: { ...(process.env as Record<string, string>), LOG_LEVEL: 'error' } }))
  return client
}

async function httpClient(url: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' }, { capabilities: {} })
  await client.connect(new StreamableHTTPClientTransport(new URL(url)))
  return client
}

const rows: Row[] = []
const paths: Array<[string, () => Promise<{ client: Client; stop: () => void }>]> = [
  ['direct stdio', async () => ({ client: await stdioClient([SERVER]), stop: () => undefined })],
  ['proxy (stdio) hit', async () => ({ client: await stdioClient([CLI, 'proxy', '--', process.execPath, SERVER]), stop: () => undefined })],
  [
    'direct HTTP',
    async () => {
      const upstream = await spawnWithUrl([SERVER, 'http', '0'])
      return { client: await httpClient(upstream.url), stop: () => upstream.child.kill() }
    },
  ],
  [
    'serve (HTTP) hit',
    async () => {
      const gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--', process.execPath, SERVER])
      return { client: await httpClient(gateway.url), stop: () => gateway.child.kill() }
    },
  ],
]

for (const [path, open] of paths) {
  const { client, stop } = await open()
  const trivial = await measure(client, 'lookup_code', CALLS, { code: 'Z00.00' })
  rows.push({ path, tool: 'trivial', ...trivial })
  const slow = await measure(client, 'wait_50', SLOW_CALLS, { q: 'x' })
  rows.push({ path, tool: '50 ms', ...slow })
  await client.close()
  stop()
}

const fmt = (ms: number) => ms.toFixed(3).padStart(8)
console.log(`Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${CALLS} sequential calls (40 for the 50 ms tool), ms`)
console.log('path                 tool       p50       p99')
for (const row of rows) console.log(`${row.path.padEnd(20)} ${row.tool.padEnd(8)} ${fmt(row.p50)}  ${fmt(row.p99)}`)
const get = (path: string, tool: string) => rows.find((row) => row.path === path && row.tool === tool) as Row
for (const [gateway, direct] of [['proxy (stdio) hit', 'direct stdio'], ['serve (HTTP) hit', 'direct HTTP']] as const) {
  const trivial = get(direct, 'trivial').p50 / get(gateway, 'trivial').p50
  const slow = get(direct, '50 ms').p50 / get(gateway, '50 ms').p50
  console.log(`${gateway}: ${trivial.toFixed(2)}x the speed of ${direct} for the trivial tool, ${slow.toFixed(1)}x for the 50 ms tool (p50)`)
}
