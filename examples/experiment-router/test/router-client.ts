/** Spawns the compiled experiment-router server and talks to it with the official MCP client over stdio. */
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'

/** Repository root, from examples/experiment-router/test/. */
export const ROOT = join(import.meta.dirname, '..', '..', '..')
/** The compiled entry (`npx tsc -p tsconfig.examples.json` builds it). */
export const SERVER = join(ROOT, '.examples-build', 'experiment-router', 'server.js')

/** One tool answer: the parsed JSON and whether it was a tool error. */
export interface ToolAnswer<T = Record<string, unknown>> {
  readonly body: T
  readonly isError: boolean
}

/** A connected client of one server process. */
export interface RouterClient {
  call<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<ToolAnswer<T>>
  /** Everything the server wrote on stderr so far (its warnings and logs). */
  stderr(): string
  close(): Promise<void>
}

/**
 * Starts the server with `env` on top of a clean environment (no inherited
 * REDIS_URL, DATABASE_URL, CACHE_BACKEND or CLICKHOUSE_URL) and connects a v2 client.
 */
export async function startRouter(env: Record<string, string> = {}): Promise<RouterClient> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(REDIS_|DATABASE_URL|CACHE_|ENABLE_REDIS|MCP_CACHE_|CLICKHOUSE_|LANCEDB_)/.test(name)),
  ) as Record<string, string>
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER],
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const client = new Client({ name: 'experiment-router-test', version: '1.0.0' })
  await client.connect(transport)
  return {
    async call<T>(name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer<T>> {
      const result = await client.callTool({ name, arguments: args })
      const content = result.content as Array<{ type: string; text?: string }>
      const text = content.map((item) => item.text ?? '').join('')
      return { body: JSON.parse(text) as T, isError: result.isError === true }
    },
    stderr: () => stderr,
    close: () => client.close(),
  }
}
