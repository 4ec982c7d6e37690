/** Spawns the compiled patient-data server and talks to it with the official MCP v2 client. */
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'

const ROOT = join(import.meta.dirname, '..', '..', '..')
/** The compiled entry; `npx tsc -p tsconfig.examples.json` (or `npm run build`) writes it. */
export const SERVER_ENTRY = join(ROOT, '.examples-build', 'patient-data', 'server.js')

/** The structuredContent of a tool result, plus whether it was a tool error. */
export type ToolAnswer = Record<string, unknown> & { readonly isError: boolean }

/** A connected client with shortcuts for this server's tools. */
export interface PatientClient {
  /** Calls `tool`; `duz`, when given, goes in `_meta["vista/userDuz"]`. */
  call(tool: string, args: Record<string, unknown>, duz?: string): Promise<ToolAnswer>
  /** How many times each emulated RPC ran in the server process. */
  rpcCounts(): Promise<Record<string, number>>
  close(): Promise<void>
}

/** Starts one server process with `env` on top of the test's environment. */
export async function startPatientServer(env: Record<string, string>): Promise<PatientClient> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER_ENTRY],
    env: { ...(process.env as Record<string, string>), LOG_LEVEL: 'error', VISTA_RPC_LATENCY_MS: '20', ...env },
    stderr: 'ignore',
  })
  const client = new Client({ name: 'patient-data-test', version: '1.0.0' })
  await client.connect(transport)
  const call: PatientClient['call'] = async (tool, args, duz) => {
    const result = await client.callTool({ name: tool, arguments: args, ...(duz !== undefined && { _meta: { 'vista/userDuz': duz } }) })
    return { ...(result.structuredContent as Record<string, unknown>), isError: result.isError === true }
  }
  return {
    call,
    rpcCounts: async () => (await call('vista_rpc_counts', {}))['counts'] as Record<string, number>,
    close: () => client.close(),
  }
}
