import { redactSecrets } from '../log/redact.js'

/** Why a connection failed, down to the socket's own reason (fetch says only "fetch failed"). */
export function reasonOf(error: unknown): string {
  let reason = error instanceof Error ? error.message : String(error)
  for (let cause = (error as { cause?: unknown }).cause; cause !== undefined && cause !== null; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown }).code
    reason = typeof code === 'string' ? `${code} (${(cause as Error).message ?? ''})` : String((cause as Error).message ?? cause)
  }
  return redactSecrets(reason)
}

/** The error of a file that cannot be read, naming it and what is wrong in words (not ENOENT). */
export function unreadableFile(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message
  return new Error(`cannot read ${path}: ${why}`, { cause: error })
}
