/** Reads and validates a JSON body, turning every problem into a 400 that says what is wrong. */
import type { Context } from 'hono'
import type * as z from 'zod'
import { describeIssues } from './request-schemas.js'

/** The parsed body, or the 400 response to send. */
export type BodyResult<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly response: Response }

/** Parses the request's JSON body with `schema`. */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<BodyResult<z.infer<S>>> {
  let raw: unknown
  try {
    raw = await c.req.json()
  } catch {
    return { ok: false, response: c.json({ error: 'the body must be a JSON object (Content-Type: application/json)' }, 400) }
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) return { ok: false, response: c.json({ error: describeIssues(parsed.error) }, 400) }
  return { ok: true, data: parsed.data }
}
