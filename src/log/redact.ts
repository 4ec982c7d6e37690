/**
 * Removes credentials from text before it is printed: `redis://user:secret@host`
 * becomes `redis://user:***@host`, and `password=...`-style pairs lose their value.
 * Used on every URL, config and error message we log or return.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^:/?#@\s]*):([^@\s]*)@/gi
const URL_SINGLE_CREDENTIAL = /\b([a-z][a-z0-9+.-]*:\/\/)([^:/?#@\s]+)@/gi
const SECRET_PAIRS = /\b(password|passwd|pass|token|secret|api[_-]?key|auth)(["']?\s*[=:]\s*["']?)([^\s"',;&]+)/gi

/** Returns `text` with URL passwords and `password=...` values replaced by `***`. */
export function redactSecrets(text: string): string {
  // `redis://secret@host` (one credential, no colon) is read as a password by some clients.
  return text
    .replace(URL_SINGLE_CREDENTIAL, (_, scheme: string) => `${scheme}***@`)
    .replace(URL_CREDENTIALS, (_, scheme: string, user: string) => `${scheme}${user}:***@`)
    .replace(SECRET_PAIRS, (_, name: string, separator: string) => `${name}${separator}***`)
}

/** Redacts a URL string for display; a URL without credentials comes back unchanged. */
export function redactUrl(url: string): string {
  return redactSecrets(url)
}
