/**
 * The MCP tools: three cached reads and one write that invalidates. Reads go
 * through `getOrSetWithStatus` under a key that holds the caller's DUZ, so the
 * result can say `hit` or `miss` and how long it took.
 */
import { performance } from 'node:perf_hooks'
import type { CallToolResult, McpServer, ServerContext } from '@modelcontextprotocol/server'
import type { Cache, CacheStatus } from 'mcp-cache'
import * as z from 'zod'
import { resolveCaller } from './caller-identity.js'
import { patientKey, patientPattern, type PatientSlice } from './patient-keys.js'
import type { VistaRpcBroker } from './vista-rpc.js'

/** What the tools need: the cache, the origin, and the DUZ the process is pinned to (if any). */
export interface PatientToolDeps {
  readonly cache: Cache
  readonly broker: VistaRpcBroker
  readonly processDuz: string | undefined
}

/** An origin answer that must not be cached (unknown patient). */
class PatientNotFound extends Error {}

const patientInput = {
  station: z.string().regex(/^\d{3}[A-Z0-9]{0,3}$/, 'a station number such as 500 or 640'),
  dfn: z.string().regex(/^[1-9]\d{0,11}$/, 'a DFN (patient IEN) such as 100841'),
}
const readOnly = { readOnlyHint: true, openWorldHint: false } as const

function result(structured: Record<string, unknown>, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured, ...(isError && { isError }) }
}

/** Registers `get_patient`, `get_patient_meds`, `get_patient_labs`, `update_patient` and `vista_rpc_counts`. */
export function registerPatientTools(server: McpServer, deps: PatientToolDeps): void {
  const { cache, broker } = deps

  /** One cached read: resolve the caller, then cache-aside on the caller's own key. */
  async function cachedRead(
    ctx: ServerContext,
    station: string,
    dfn: string,
    slice: PatientSlice,
    origin: () => Promise<unknown>,
  ): Promise<CallToolResult> {
    const caller = resolveCaller(ctx, deps.processDuz)
    if ('error' in caller) return result({ error: caller.error }, true)
    const key = patientKey(station, dfn, caller.duz, slice)
    const started = performance.now()
    let cacheStatus: CacheStatus
    let data: unknown
    try {
      // Demographics are fetched first so an unknown DFN is reported, not cached as an empty list.
      ;({ value: data, status: cacheStatus } = await cache.getOrSetWithStatus(key, origin))
    } catch (error) {
      if (error instanceof PatientNotFound) return result({ error: error.message, station, dfn }, true)
      throw error
    }
    const ms = Math.round((performance.now() - started) * 10) / 10
    return result({ cache: cacheStatus, ms, user: caller.duz, userSource: caller.source, key, [slice === 'demographics' ? 'patient' : slice]: data })
  }

  async function requirePatient(station: string, dfn: string): Promise<void> {
    if ((await broker.selectPatient(station, dfn)) === undefined) throw new PatientNotFound(`no patient ${dfn} at station ${station}`)
  }

  server.registerTool(
    'get_patient',
    { description: 'Demographics of one patient (VistA ORWPT SELECT), cached per user', inputSchema: z.object(patientInput), annotations: readOnly },
    async ({ station, dfn }, ctx) =>
      cachedRead(ctx, station, dfn, 'demographics', async () => {
        const patient = await broker.selectPatient(station, dfn)
        if (patient === undefined) throw new PatientNotFound(`no patient ${dfn} at station ${station}`)
        return patient
      }),
  )
  server.registerTool(
    'get_patient_meds',
    { description: 'Active medications of one patient (VistA ORWPS ACTIVE), cached per user', inputSchema: z.object(patientInput), annotations: readOnly },
    async ({ station, dfn }, ctx) =>
      cachedRead(ctx, station, dfn, 'meds', async () => {
        await requirePatient(station, dfn)
        return broker.activeMedications(station, dfn)
      }),
  )
  server.registerTool(
    'get_patient_labs',
    { description: 'Recent lab results of one patient (VistA ORWLRR INTERIM), cached per user', inputSchema: z.object(patientInput), annotations: readOnly },
    async ({ station, dfn }, ctx) =>
      cachedRead(ctx, station, dfn, 'labs', async () => {
        await requirePatient(station, dfn)
        return broker.interimLabs(station, dfn)
      }),
  )
  server.registerTool(
    'update_patient',
    {
      description: "Changes a patient's phone and/or ward, then drops every user's cached entries of that patient",
      inputSchema: z.object({ ...patientInput, phone: z.string().min(1).max(30).optional(), ward: z.string().min(1).max(30).optional() }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ station, dfn, phone, ward }, ctx) => {
      const caller = resolveCaller(ctx, deps.processDuz)
      if ('error' in caller) return result({ error: caller.error }, true)
      if (phone === undefined && ward === undefined) return result({ error: 'nothing to update: send phone and/or ward' }, true)
      const updated = await broker.updatePatient(station, dfn, { ...(phone !== undefined && { phone }), ...(ward !== undefined && { ward }) })
      if (updated === undefined) return result({ error: `no patient ${dfn} at station ${station}`, station, dfn }, true)
      // Every user's copy is now wrong, not only the writer's: the pattern spans all DUZs.
      const invalidated = await cache.deleteByPattern(patientPattern(station, dfn), { reason: `update_patient by DUZ ${caller.duz}` })
      return result({ patient: updated, invalidated, user: caller.duz })
    },
  )
  server.registerTool(
    'vista_rpc_counts',
    { description: 'How many times each emulated VistA RPC really ran in this process (cache misses reach it, hits do not)', inputSchema: z.object({}), annotations: readOnly },
    async () => result({ counts: broker.counts() }),
  )
}
