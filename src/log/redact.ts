/**
 * Removes credentials from text before it is printed or returned: URL user
 * info (`redis://user:secret@host` -> `redis://user:***@host`), secret-named
 * `name=value` pairs (query strings, headers, config dumps) and
 * `Authorization` schemes (`Bearer abc...` -> `Bearer ***`). Used on every URL,
 * config and error message we log or return, and by the logger on every line.
 *
 * The text may come from an attacker (an error that quotes a request), so
 * every pattern starts only where a run of its characters starts (a
 * lookbehind, not `\b`) and bounds what it scans: matching stays linear in the
 * text, and text past {@link MAX_REDACTED_LENGTH} is cut first.
 */

/** Longest text redacted and printed; the rest is cut (a 4 MB message is no better a log line than its start). */
export const MAX_REDACTED_LENGTH = 16_384

/**
 * `scheme://user:password@`, where the password runs to the last `@` of the
 * URL's token (at most 256 characters), so a raw `@`, `/`, `?` or `#` in it
 * (`redis://:p@ss@h`) is covered too, unless what follows the colon is a port
 * (`host:443/@scope/pkg`); or a lone credential `scheme://secret@`.
 */
const URL_USER_INFO = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/)(?:([^\s"'<>@/?#:]{0,256}):(?!\d{1,5}(?:[/?#\s"'<>]|$))[^\s"'<>]{0,256}@|[^\s"'<>@/?#:]{1,256}@)/gi
/**
 * A name and a separator: `access_token=`, `"password": "`, `Authorization: `.
 * Only these are taken in a first pass (a secret-named one gets a marker),
 * never the value, so that a pair inside another pair's value
 * (`url=https://h/?token=abc`) is still seen.
 */
const NAME_SEPARATOR = /(?<![\w.-])([\w.-]{1,128})(["']?\s{0,8}[=:]\s{0,8}["']?)/g
/** Stands for a secret value until the second pass removes it; no text we print holds these characters. */
const MARK = '\u0000\u0001'
/** The value after a marker: `abc`, or an auth scheme and its credential. */
const MARKED_VALUE = new RegExp(`${MARK}(?:(?:Bearer|Basic|DPoP|Token|Negotiate)\\s+)?[^\\s"',;&<>]*`, 'gi')
/** The last word of a name (split at `_ . -` and camelCase) that makes its value a secret. */
const SECRET_WORDS = new Set(['password', 'passwd', 'passphrase', 'pass', 'pwd', 'secret', 'token', 'key', 'apikey', 'sig', 'signature', 'auth', 'authorization', 'credential', 'credentials', 'cookie'])
/** A credential after an auth scheme anywhere, e.g. a header quoted in a message; Digest's parameters run to the end of the line. */
const AUTH_SCHEME = /(?<![\w-])(Bearer|Basic|DPoP)\s+[A-Za-z0-9._~+/-]{8,}=*|(?<![\w-])(Digest)\s+[^\r\n]*/gi

/** Returns `text` with URL credentials, secret-named values and auth-scheme credentials replaced by `***`. */
export function redactSecrets(text: string): string {
  return redactPatterns(cut(text))
}

function redactPatterns(text: string): string {
  return text
    .replace(URL_USER_INFO, (_, scheme: string, user: string | undefined) => (user === undefined ? `${scheme}***@` : `${scheme}${user}:***@`))
    .replace(NAME_SEPARATOR, (pair: string, name: string, separator: string) => (isSecretPair(name, separator) ? `${name}${separator}${MARK}` : pair))
    .replace(MARKED_VALUE, '***')
    .replace(AUTH_SCHEME, (_, scheme: string | undefined, digest: string | undefined) => `${scheme ?? digest} ***`)
}

function cut(text: string): string {
  return text.length > MAX_REDACTED_LENGTH ? `${text.slice(0, MAX_REDACTED_LENGTH)}... [${text.length - MAX_REDACTED_LENGTH} more characters cut]` : text
}

/** A bare `key` is a secret in a query (`key=...`) but mostly a word in prose (`Unrecognized key: "id"`). */
function isSecretPair(name: string, separator: string): boolean {
  return name.toLowerCase() === 'key' ? separator.includes('=') : isSecretName(name)
}

/** True for a name whose value is a secret: `password`, `access_token`, `sessionToken`, `X-Amz-Signature`, `apiKey`. */
export function isSecretName(name: string): boolean {
  const words = name.split(/[_.-]|(?<=[a-z0-9])(?=[A-Z])/)
  return SECRET_WORDS.has((words[words.length - 1] ?? '').toLowerCase())
}

/** Redacts a URL string for display; a URL without credentials comes back unchanged. */
export function redactUrl(url: string): string {
  return redactSecrets(url)
}

/**
 * The parts of a URL that must never be shown: the whole URL, its query
 * string, its password and the values of its secret-named query parameters.
 * A redactor built with them ({@link redactorFor}) removes them wherever they
 * appear, even where no pattern would recognise them (an upstream's error
 * page echoing its URL).
 */
export function secretsOfUrl(url: string): string[] {
  if (!URL.canParse(url)) return [url]
  const parsed = new URL(url)
  const values = [url, parsed.href, parsed.search.slice(1), parsed.password, decoded(parsed.password), parsed.hash.slice(1)]
  for (const [name, value] of parsed.searchParams) if (isSecretName(name)) values.push(value, encodeURIComponent(value))
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
    let out = cut(text)
    for (const secret of known) if (out.includes(secret)) out = out.replaceAll(secret, '***')
    return redactPatterns(out)
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

/** `decodeURIComponent`, or the text as it is when it holds a raw `%` that is no escape. */
export function decoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
