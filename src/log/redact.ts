/**
 * Removes credentials from text before it is printed or returned: URL user
 * info (`redis://user:secret@host` -> `redis://user:***@host`), secret-looking
 * `name=value` pairs (query strings, headers, config dumps) and
 * `Authorization` schemes (`Bearer abc...` -> `Bearer ***`). Used on every URL,
 * config and error message we log or return, and by the logger on every line.
 */

/**
 * `user:password@`, where the password runs to the last `@` of the URL's
 * token, so a raw `@`, `/`, `?` or `#` in it (`redis://:p@ss@h`) is covered
 * too; or a lone credential `secret@`. A token ends at whitespace, a quote or `<>`.
 */
const URL_USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)(?:([^\s"'<>@/?#:]*):[^\s"'<>]*@|[^\s"'<>@/?#:]+@)/gi
/** Names whose values are secrets: passwords, tokens, keys, signatures, credentials, cookies, auth. */
const SECRET_NAME = String.raw`[\w.-]*?(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|key|sig|signature|auth[a-z]*|credentials?|cookie)`
/** An optional auth scheme, then the value: `Bearer abc`, `abc`. */
const SECRET_VALUE = String.raw`(?:(?:Bearer|Basic|DPoP|Token|Digest|Negotiate)\s+)?[^\s"',;&<>]+`
const SECRET_PAIRS = new RegExp(String.raw`\b(${SECRET_NAME})(["']?\s*[=:]\s*["']?)(${SECRET_VALUE})`, 'gi')
/** A credential after an auth scheme anywhere, e.g. a header echoed in a message. */
const AUTH_SCHEME = /\b(Bearer|Basic|DPoP)\s+[A-Za-z0-9._~+/-]{8,}=*/g

/** Returns `text` with URL credentials, secret pairs and auth-scheme credentials replaced by `***`. */
export function redactSecrets(text: string): string {
  return text
    .replace(URL_USER_INFO, (_, scheme: string, user: string | undefined) => (user === undefined ? `${scheme}***@` : `${scheme}${user}:***@`))
    .replace(SECRET_PAIRS, (_, name: string, separator: string) => `${name}${separator}***`)
    .replace(AUTH_SCHEME, (_, scheme: string) => `${scheme} ***`)
}

/** Redacts a URL string for display; a URL without credentials comes back unchanged. */
export function redactUrl(url: string): string {
  return redactSecrets(url)
}

/**
 * The parts of a URL that must never be shown: the whole URL, its user info,
 * and every query and fragment value. A redactor built with them
 * ({@link redactorFor}) removes them wherever they appear, even where no
 * pattern would recognise them (an upstream's error page echoing its URL).
 */
export function secretsOfUrl(url: string): string[] {
  if (!URL.canParse(url)) return [url]
  const parsed = new URL(url)
  const values = [url, parsed.href, parsed.username, parsed.password, decodeURIComponent(parsed.password), parsed.search.slice(1), parsed.hash.slice(1)]
  for (const [, value] of parsed.searchParams) values.push(value, encodeURIComponent(value))
  return values
}

/**
 * A function that removes `secrets` (exact strings, longest first; those
 * under 4 characters are too common to remove) and then every pattern
 * {@link redactSecrets} knows.
 */
export function redactorFor(secrets: readonly string[]): (text: string) => string {
  const known = [...new Set(secrets.filter((secret) => secret.length >= 4))].sort((a, b) => b.length - a.length)
  if (known.length === 0) return redactSecrets
  return (text) => {
    let out = text
    for (const secret of known) if (out.includes(secret)) out = out.replaceAll(secret, '***')
    return redactSecrets(out)
  }
}

/**
 * What a client may see of an upstream: `name` when one is configured, else
 * the origin of an HTTP URL (no user info, path, query or fragment), or the
 * program of a stdio command (not its arguments, which may hold keys).
 */
export function upstreamDisplayName(identity: string, name?: string): string {
  if (name !== undefined && name.trim() !== '') return name.trim()
  if (identity.startsWith('stdio:')) {
    const program = identity.slice('stdio:'.length).trim().split(/\s+/, 1)[0] ?? ''
    return `stdio:${program.split(/[\\/]/).pop() || 'server'}`
  }
  return URL.canParse(identity) ? new URL(identity).origin : 'the upstream'
}
