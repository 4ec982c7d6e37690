/** Starts `mcp-cache proxy` (built, from dist/) in front of a test server and connects the official v2 client. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'

export const ROOT = join(import.meta.dirname, '..', '..')
export const CLI = join(ROOT, 'dist', 'cli', 'main.js')
export const COUNTING_SERVER = join(ROOT, 'test', 'fixtures', 'counting-server.mjs')

/** Writes a gateway config to a temp file and returns its path. */
export function writeConfig(config: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mcp-cache-gw-')), 'gateway.json')
  writeFileSync(path, JSON.stringify(config))
  return path
}

/** Options of {@link connectThroughProxy}. */
export interface ProxyClientOptions {
  readonly config?: unknown
  readonly principal?: string
  readonly env?: Record<string, string>
  /** `legacy` speaks 2025-11-25 (initialize, sessions); `auto` negotiates 2026-07-28. @default 'legacy' */
  readonly era?: 'legacy' | 'auto'
  readonly extraArgs?: readonly string[]
  readonly server?: readonly string[]
  /** Client capabilities (sampling, elicitation, roots) to declare. */
  readonly capabilities?: Record<string, unknown>
  /** Registers request handlers on the client before it connects. */
  readonly setup?: (client: Client) => void
}

/** A connected client and the text of a tool result. */
export interface ProxyClient {
  readonly client: Client
  call(name: string, args?: Record<string, unknown>): Promise<{ text: string; status: unknown; isError: boolean }>
  /** How often each tool really ran upstream. */
  counts(): Promise<Record<string, number>>
  close(): Promise<void>
}

/** Spawns the proxy (which spawns the server) and connects a v2 client to it. */
export async function connectThroughProxy(options: ProxyClientOptions = {}): Promise<ProxyClient> {
  const args = [CLI, 'proxy']
  if (options.config !== undefined) args.push('--config', writeConfig(options.config))
  if (options.principal !== undefined) args.push('--principal', options.principal)
  args.push(...(options.extraArgs ?? []), '--', ...(options.server ?? [process.execPath, COUNTING_SERVER]))
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: { ...(process.env as Record<string, string>), LOG_LEVEL: 'error', ...options.env },
    stderr: 'inherit',
  })
  const client = new Client(
    { name: 'gateway-test', version: '1.0.0' },
    { capabilities: options.capabilities ?? {}, versionNegotiation: { mode: options.era ?? 'legacy' } },
  )
  options.setup?.(client)
  await client.connect(transport)
  const call: ProxyClient['call'] = async (name, toolArgs = {}) => {
    const result = await client.callTool({ name, arguments: toolArgs })
    const content = result.content as Array<{ type: string; text?: string }>
    return { text: content.map((item) => item.text ?? '').join(''), status: result._meta?.['mcp-cache/status'], isError: result.isError === true }
  }
  return {
    client,
    call,
    counts: async () => {
      const result = await client.callTool({ name: 'upstream_counts', arguments: {}, _meta: { 'mcp-cache/cacheMode': 'bypass' } })
      return JSON.parse((result.content as Array<{ text: string }>)[0]?.text ?? '{}') as Record<string, number>
    },
    close: () => client.close(),
  }
}
