/**
 * Who is calling: the VistA user number (DUZ) every cache key is scoped by.
 *
 * Precedence, strongest first:
 * 1. `authInfo.extra.duz` of a verified token (only on an HTTP transport; stdio has no auth);
 * 2. `VISTA_USER_DUZ` of the process: it pins the process to one user;
 * 3. the request's `_meta["vista/userDuz"]`, used only when neither of the above is set.
 * A weaker source that names a different DUZ is refused, never silently
 * ignored: a client that believes it acts as user B must not get user A's view.
 */
import type { ServerContext } from '@modelcontextprotocol/server'

/** The `_meta` field a client sets to name its user when the process is not pinned. */
export const DUZ_META_KEY = 'vista/userDuz'

/** Where the DUZ came from. */
export type IdentitySource = 'auth' | 'env' | 'meta'

/** The resolved caller, or why there is none. */
export type CallerIdentity = { readonly duz: string; readonly source: IdentitySource } | { readonly error: string }

// DUZ values are positive integers in VistA's NEW PERSON file (#200).
const DUZ_PATTERN = /^[1-9]\d{0,14}$/

function candidate(value: unknown, source: IdentitySource): { duz: string; source: IdentitySource } | { error: string } | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const text = String(value)
  if (!DUZ_PATTERN.test(text)) return { error: `the user DUZ from ${source} must be a positive integer (got '${text.slice(0, 20)}')` }
  return { duz: text, source }
}

/** Resolves the caller's DUZ from the request context and the process's `VISTA_USER_DUZ`. */
export function resolveCaller(ctx: ServerContext, processDuz: string | undefined): CallerIdentity {
  const sources = [
    candidate(ctx.http?.authInfo?.extra?.['duz'], 'auth'),
    candidate(processDuz, 'env'),
    candidate(ctx.mcpReq._meta?.[DUZ_META_KEY], 'meta'),
  ].filter((found) => found !== undefined)
  const invalid = sources.find((found) => 'error' in found)
  if (invalid) return invalid
  const [winner, ...others] = sources as Array<{ duz: string; source: IdentitySource }>
  if (winner === undefined) {
    return { error: `no user: set VISTA_USER_DUZ for the process or send _meta["${DUZ_META_KEY}"] with the request` }
  }
  const conflict = others.find((other) => other.duz !== winner.duz)
  if (conflict) return { error: `the request names user ${conflict.duz} (${conflict.source}) but this call is bound to user ${winner.duz} (${winner.source})` }
  return winner
}
