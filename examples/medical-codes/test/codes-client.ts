/** Spawns the compiled medical-codes server and talks to it with the official MCP v2 client. */
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'

const ROOT = join(import.meta.dirname, '..', '..', '..')
/** The compiled entry; `npx tsc -p tsconfig.examples.json` (or `npm run build`) writes it. */
export const SERVER_ENTRY = join(ROOT, '.examples-build', 'medical-codes', 'server.js')

/** The structuredContent of a tool result, plus whether it was a tool error. */
export type ToolAnswer = Record<string, unknown> & { readonly isError: boolean }

/** The origin's query counters as `origin_stats` reports them. */
export interface OriginCounts {
  readonly total: number
  readonly byKind: Record<string, number>
}

/** A connected client with shortcuts for this server's tools. */
export interface CodesClient {
  call(tool: string, args: Record<string, unknown>): Promise<ToolAnswer>
  /** How many queries reached the code database of this server process. */
  originCounts(): Promise<OriginCounts>
  close(): Promise<void>
}

/** Starts one server process with `env` on top of the test's environment (5 ms origin latency). */
export async function startCodesServer(env: Record<string, string> = {}): Promise<CodesClient> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER_ENTRY],
    env: { ...(process.env as Record<string, string>), LOG_LEVEL: 'error', CODES_LATENCY_MS: '5', ...env },
    stderr: 'ignore',
  })
  const client = new Client({ name: 'medical-codes-test', version: '1.0.0' })
  await client.connect(transport)
  const call: CodesClient['call'] = async (tool, args) => {
    const result = await client.callTool({ name: tool, arguments: args })
    return { ...(result.structuredContent as Record<string, unknown>), isError: result.isError === true }
  }
  return {
    call,
    originCounts: async () => (await call('origin_stats', {}))['origin'] as OriginCounts,
    close: () => client.close(),
  }
}
