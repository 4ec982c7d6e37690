import { createHash } from 'node:crypto'

/** The auth info an SDK hands a tool callback: `ctx.http.authInfo` in SDK v2, `extra.authInfo` in SDK 1.x. */
interface AuthInfoLike {
  readonly token?: string
  readonly clientId?: string
  readonly extra?: Record<string, unknown>
}

interface ContextLike {
  readonly http?: { readonly authInfo?: AuthInfoLike }
  readonly authInfo?: AuthInfoLike
}

/**
 * Who is calling, from the request context of SDK v2 (`ctx.http.authInfo`) or
 * 1.x (`extra.authInfo`): the verified subject (`extra.sub` or `extra.userId`,
 * as token verifiers set it) when there is one, else a SHA-256 of the bearer
 * token, so a token never appears in a key. `clientId` alone is not used: it
 * names an application that many users share. Undefined when unauthenticated.
 */
export function principalFromContext(context: unknown): string | undefined {
  const ctx = context as ContextLike | undefined
  const auth = ctx?.http?.authInfo ?? ctx?.authInfo
  if (auth === undefined) return undefined
  const subject = auth.extra?.['sub'] ?? auth.extra?.['userId']
  if (typeof subject === 'string' && subject !== '') return `sub.${subject}`
  if (typeof auth.token === 'string' && auth.token !== '') return `tok.${createHash('sha256').update(auth.token).digest('base64url').slice(0, 22)}`
  return undefined
}
