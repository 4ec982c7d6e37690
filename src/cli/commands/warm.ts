import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { createCache } from '../../cache/create-cache.js'
import { loadConfig } from '../../config/load-config.js'
import { output } from '../output.js'
import { progressBar } from '../progress.js'

const valueLine = z.object({ key: z.string().min(1), value: z.unknown(), ttl: z.union([z.string(), z.number()]).optional(), tags: z.array(z.string()).optional() }).strict()
const toolLine = z.object({ tool: z.string().min(1), arguments: z.record(z.string(), z.unknown()).optional() }).strict()

/**
 * `mcp-cache warm --from FILE`: JSON lines of `{"key","value","ttl"}` written to
 * the cache, or `{"tool","arguments"}` called through a running gateway
 * (`--gateway URL`) so its cache fills as for real callers. A progress bar shows
 * how far it is; a bad line stops with its number.
 */
export async function runWarm(options: { from: string; gateway?: string; json?: boolean }): Promise<number> {
  const out = output(options.json)
  const lines = readFileSync(options.from, 'utf8').split('\n').map((line, index) => ({ line, number: index + 1 })).filter(({ line }) => line.trim() !== '')
  const parsed = lines.map(({ line, number }) => {
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch {
      throw new Error(`${options.from} line ${number} is not JSON`)
    }
    const value = valueLine.safeParse(json)
    if (value.success) return { kind: 'value' as const, ...value.data }
    const tool = toolLine.safeParse(json)
    if (tool.success) return { kind: 'tool' as const, ...tool.data }
    throw new Error(`${options.from} line ${number}: expected {"key","value","ttl"} or {"tool","arguments"}`)
  })
  const tools = parsed.filter((item) => item.kind === 'tool')
  if (tools.length > 0 && options.gateway === undefined) throw new Error('tool lines run through a gateway: add --gateway http://127.0.0.1:7700/mcp')
  const cache = createCache({ ...loadConfig(), logger: false })
  const client = tools.length > 0 ? await connectGateway(options.gateway as string) : undefined
  const bar = progressBar('warm', parsed.length)
  let written = 0
  let called = 0
  try {
    if (!(await cache.ready('5s')) && parsed.some((item) => item.kind === 'value')) throw new Error('the store is not reachable; nothing was warmed')
    for (const item of parsed) {
      if (item.kind === 'value') {
        if (await cache.set(item.key, item.value, { ...(item.ttl === undefined ? {} : { ttl: item.ttl }), ...(item.tags === undefined ? {} : { tags: item.tags }) })) written++
      } else {
        await client?.callTool({ name: item.tool, arguments: item.arguments ?? {} })
        called++
      }
      bar.increment()
    }
    bar.stop()
  } finally {
    await client?.close()
    await cache.close()
  }
  out.line(`warmed ${written} entries${called > 0 ? ` and ${called} tool calls` : ''}`)
  out.result({ written, called })
  return 0
}

async function connectGateway(url: string) {
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client')
  const token = process.env['MCP_CACHE_WARM_TOKEN']
  const client = new Client({ name: 'mcp-cache-warm', version: '1.0.0' }, { capabilities: {} })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), token === undefined ? {} : { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
  return client
}
