import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { createCache } from '../../cache/create-cache.js'
import { maintenanceCacheOptions, sharedCacheOptions, unreachableStore, type StoreCliOptions } from '../store-flags.js'
import { output } from '../output.js'
import { progressBar } from '../progress.js'
import { parseDuration } from '../../config/duration.js'
import { redactSecrets } from '../../log/redact.js'
import { reasonOf, unreadableFile } from '../failure-reason.js'

// A TTL is written with its unit: a bare 600 would be 600 ms here and 600 s in the environment.
const valueLine = z.object({ key: z.string().min(1), value: z.unknown(), ttl: z.string().optional(), tags: z.array(z.string()).optional() }).strict()
const toolLine = z.object({ tool: z.string().min(1), arguments: z.record(z.string(), z.unknown()).optional() }).strict()

/**
 * `mcp-cache warm --from FILE`: JSON lines of `{"key","value","ttl"}` written to
 * the cache, or `{"tool","arguments"}` called through a running gateway
 * (`--gateway URL`) so its cache fills as for real callers. A progress bar shows
 * how far it is; a bad line stops with its number.
 */
export async function runWarm(options: StoreCliOptions & { from: string; gateway?: string; json?: boolean }): Promise<number> {
  const out = output(options.json)
  const lines = readText(options.from).split('\n').map((line, index) => ({ line, number: index + 1 })).filter(({ line }) => line.trim() !== '')
  const parsed = lines.map(({ line, number }) => {
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch {
      throw new Error(`${options.from} line ${number} is not JSON`)
    }
    const ttl = (json as { ttl?: unknown } | null)?.ttl
    if (typeof ttl === 'number') throw new Error(`${options.from} line ${number}: "ttl": ${ttl} has no unit; write "${ttl}s" or "${ttl}ms" (durations in files are strings with a unit)`)
    const value = valueLine.safeParse(json)
    if (value.success) {
      if (value.data.ttl !== undefined) parseDuration(value.data.ttl, `${options.from} line ${number}: ttl`)
      return { kind: 'value' as const, number, ...value.data }
    }
    const tool = toolLine.safeParse(json)
    if (tool.success) return { kind: 'tool' as const, number, ...tool.data }
    throw new Error(`${options.from} line ${number}: expected {"key","value","ttl"} or {"tool","arguments"}`)
  })
  const tools = parsed.filter((item) => item.kind === 'tool')
  if (tools.length > 0 && options.gateway === undefined) throw new Error('tool lines run through a gateway: add --gateway http://127.0.0.1:7700/mcp')
  const cacheOptions = parsed.some((item) => item.kind === 'value') ? sharedCacheOptions(options) : maintenanceCacheOptions(options)
  const cache = createCache({ ...cacheOptions, logger: false })
  const failed: string[] = []
  let written = 0
  let called = 0
  let client: Awaited<ReturnType<typeof connectGateway>> | undefined
  try {
    client = tools.length > 0 ? await connectGateway(options.gateway as string) : undefined
    if (!(await cache.ready('5s')) && parsed.some((item) => item.kind === 'value')) throw unreachableStore(cacheOptions, 'nothing was warmed')
    const bar = progressBar('warm', parsed.length)
    for (const item of parsed) {
      if (item.kind === 'value') {
        if (await cache.set(item.key, item.value, { ...(item.ttl === undefined ? {} : { ttl: item.ttl }), ...(item.tags === undefined ? {} : { tags: item.tags }) })) written++
        else failed.push(`line ${item.number}: the store refused ${item.key}`)
      } else {
        const problem = await client?.callTool({ name: item.tool, arguments: item.arguments ?? {} }).then(
          (result) => (result['isError'] === true ? `${item.tool} answered with an error` : undefined),
          (error: unknown) => `${item.tool} failed: ${redactSecrets((error as Error).message)}`,
        )
        if (problem === undefined) called++
        else failed.push(`line ${item.number}: ${problem}`)
      }
      bar.increment()
    }
    bar.stop()
  } finally {
    await client?.close()
    await cache.close()
  }
  out.line(`warmed ${written} entries${called > 0 ? ` and ${called} tool calls` : ''}${failed.length > 0 ? `; ${failed.length} line(s) failed:` : ''}`)
  for (const problem of failed) out.line(`  ${problem}`)
  out.result({ written, called, failed })
  return failed.length > 0 ? 1 : 0
}

/** A file's text, or an error that names it. */
function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw unreadableFile(path, error)
  }
}

async function connectGateway(url: string) {
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client')
  const token = process.env['MCP_CACHE_WARM_TOKEN']
  if (!URL.canParse(url)) throw new Error(`--gateway must be the gateway's MCP URL, e.g. http://127.0.0.1:7700/mcp (got '${redactSecrets(url)}')`)
  const client = new Client({ name: 'mcp-cache-warm', version: '1.0.0' }, { capabilities: {} })
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url), token === undefined ? {} : { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
  } catch (error) {
    throw new Error(`cannot reach the gateway at ${redactSecrets(url)}: ${reasonOf(error)}; nothing was warmed (is mcp-cache serve running there?)`, { cause: error })
  }
  return client
}

