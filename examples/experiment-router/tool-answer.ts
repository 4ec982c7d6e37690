import type { CallToolResult } from '@modelcontextprotocol/server'
import * as z from 'zod'
import { RouterError } from './router-error.js'

/** Ids as the seed writes them (`exp_123`, `user_456`); anything else is still encoded safely into keys. */
export const id = z.string().min(1).max(128)

/** A JSON answer as tool text. */
function json(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] }
}

/**
 * Runs a tool body; a RouterError (unknown id, paused experiment, bad time,
 * ClickHouse down) becomes a tool error the model can read and act on.
 * Anything else is a database failure, reported the same way without internals.
 */
export async function answer(run: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    return json(await run())
  } catch (error) {
    if (error instanceof RouterError) return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: error.code, message: error.message }) }] }
    console.error(`[experiment-router] ${error instanceof Error ? error.message : String(error)}`)
    return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: 'E_DATABASE', message: 'the database did not answer' }) }] }
  }
}
